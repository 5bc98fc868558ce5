"""No secret reaches the logs: a whole flow over real HTTP (uvicorn with its access log, every
logger at DEBUG) — API keys created and shown once, a signed registration of a private work,
anchoring, tokenizing, a licence, a platform fetching the content key, a keystore created and
unlocked — and then the captured records are searched for every secret the flow handled."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from eth_account import Account
from eth_account.messages import encode_defunct
from httpx2 import Client
from typer.testing import CliRunner

from api.app import create_app
from chain_client.licences import LicenceTerms
from chain_client.rights_assets import Right
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from cli.main import app as cli_app
from crypto.keystore import decrypt_key, read_keystore
from crypto.signing import KeySigner, generate_private_key, public_key_to_json
from crypto.sm2 import SM2PrivateKey
from crypto.symmetric import WrappedKey, unwrap_key_with
from registry.access.keys import create_api_key, request_signing_message
from registry.assets.content_keys import content_key_request
from registry.assets.rights_assets import grant_licence
from registry.core.database import migrate
from registry.core.settings import DEV_CHAIN_PRIVATE_KEY
from registry.platform.runtime import Runtime, build_runtime
from tests.chain_client.conftest import ROLE_KEYS
from tests.conftest import free_port, make_settings

OWNER = Account.from_key(ROLE_KEYS["owner"])
LICENSEE = Account.from_key(ROLE_KEYS["lender"])


@pytest.fixture
def private_runtime(tmp_path: Path, database_url: str, anvil: AnvilProcess) -> Iterator[Runtime]:
    """A dev runtime whose master key is a fresh one in a 0600 file (created at start-up)."""
    settings = make_settings(
        tmp_path / "data", database_url, anvil.rpc_url, master_key_file=tmp_path / "master.key"
    )
    built = build_runtime(settings)
    migrate(built.engine)
    yield built
    built.close()


@pytest.fixture
def server(private_runtime: Runtime) -> Iterator[str]:
    """The app over real HTTP; uvicorn leaves logging alone, so its access log reaches caplog."""
    config = uvicorn.Config(
        create_app(runtime=private_runtime, run_batcher=False),
        host="127.0.0.1",
        port=free_port(),
        log_config=None,
        log_level="debug",
        access_log=True,
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{config.port}"
    running.should_exit = True
    thread.join(30)


def signed_headers(
    key: str, signer: KeySigner, method: str, path: str, body: bytes
) -> dict[str, str]:
    stamp, nonce = str(int(time.time())), secrets.token_hex(12)
    message = request_signing_message(method, path, body, stamp, nonce)
    return {
        "Authorization": f"Bearer {key}",
        "X-Banquan-Timestamp": stamp,
        "X-Banquan-Nonce": nonce,
        "X-Banquan-Signature": signer.sign(message).to_text(),
    }


def forms_of(secret: bytes) -> set[str]:
    """How a secret could appear in a log line: hex (either case), base64, base64url, repr."""
    return {
        secret.hex(),
        secret.hex().upper(),
        base64.b64encode(secret).decode(),
        base64.urlsafe_b64encode(secret).decode().rstrip("="),
        repr(secret)[2:-1],
    }


def test_a_full_flow_logs_no_secret(
    server: str,
    private_runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    runtime = private_runtime
    caplog.set_level(logging.DEBUG)  # the root logger and everything that propagates to it
    admin = create_api_key(runtime.sessions, name="admin", scopes=["admin"], now=runtime.now)
    publisher_signer = KeySigner(generate_private_key("sm2"))
    platform_key = generate_private_key("sm2")
    assert isinstance(platform_key, SM2PrivateKey)
    content = "只给授权平台看的正文。".encode() * 300

    with Client(base_url=server, timeout=60) as http:
        as_admin = {"Authorization": f"Bearer {admin.secret}"}
        keys = {}
        for name, scopes, signing in (
            ("publisher", ["publisher"], public_key_to_json(publisher_signer.public_key)),
            ("platform", ["platform"], None),
        ):
            created = http.post(
                "/v1/admin/keys",
                json={"name": name, "scopes": scopes, "signing_key": signing},
                headers=as_admin,
            )
            assert created.status_code == 201, created.text
            keys[name] = created.json()["key"]  # shown this once

        draft = http.build_request(
            "POST",
            "/v1/works",
            files={"file": ("private.txt", content)},
            data={"metadata": json.dumps({"title": "私有作品"})},
        )
        body = draft.read()
        registered = http.post(
            "/v1/works",
            content=body,
            headers={
                "Content-Type": draft.headers["Content-Type"],
                **signed_headers(keys["publisher"], publisher_signer, "POST", "/v1/works", body),
            },
        )
        assert registered.status_code == 201, registered.text
        number = registered.json()["number"]
        assert runtime.new_batcher().run_once().error is None
        path = f"/v1/works/{number}/tokenize"
        tokenize = json.dumps({"owner": OWNER.address}).encode()
        minted = http.post(
            path,
            content=tokenize,
            headers={
                "Content-Type": "application/json",
                **signed_headers(keys["publisher"], publisher_signer, "POST", path, tokenize),
            },
        )
        assert minted.status_code == 201, minted.text

        suite = runtime.suite()
        owner = TransactionSender(runtime.w3, OWNER)
        block_time = int(runtime.w3.eth.get_block("latest")["timestamp"])
        grant_licence(
            suite.as_sender(owner),
            owner,
            LicenceTerms(
                asset_id=int(minted.json()["asset_id"], 16),
                licensee=LICENSEE.address,
                rights=1 << int(Right.INFORMATION_NETWORK),
                territory=0,
                start=block_time + 60,  # no licence starts before its grant
                end=block_time + 86400,
            ),
        )
        runtime.now = lambda: datetime.fromtimestamp(block_time + 60, UTC)
        request = content_key_request(
            number, LICENSEE.address, "information_network", platform_key.public_key
        )
        granted = http.post(
            f"/v1/works/{number}/content-key",
            json={
                "licensee": LICENSEE.address,
                "right": "information_network",
                "recipient_key": public_key_to_json(platform_key.public_key),
                "signature": LICENSEE.sign_message(encode_defunct(request)).signature.hex(),
            },
            headers={"Authorization": f"Bearer {keys['platform']}"},
        )
        assert granted.status_code == 200, granted.text
        content_key = unwrap_key_with(platform_key, WrappedKey.from_json(granted.json()))

    password = "correct horse battery staple " + secrets.token_hex(4)
    password_file = tmp_path / "password.txt"
    password_file.write_text(password, encoding="utf-8")
    keystore = tmp_path / "signer.keystore"
    runner = CliRunner()
    made = runner.invoke(
        cli_app, ["keys", "new", str(keystore), "--password-file", str(password_file)]
    )
    assert made.exit_code == 0, made.output
    shown = runner.invoke(
        cli_app, ["keys", "show", str(keystore), "--password-file", str(password_file)]
    )
    assert shown.exit_code == 0, shown.output
    unlocked = decrypt_key(read_keystore(keystore), password)

    logged = "\n".join(
        [caplog.text] + [f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records]
    )
    assert "uvicorn.access" in {record.name for record in caplog.records}  # the access log ran
    assert "POST /v1/works" in logged
    master_key = (tmp_path / "master.key").read_text(encoding="ascii").strip()
    secret_texts = {
        # bq_<key id>_<secret>: the secret part may itself hold underscores.
        "admin key": {admin.secret, admin.secret.split("_", 2)[2]},
        "keys shown once": set(keys.values()) | {k.split("_", 2)[2] for k in keys.values()},
        "master key": forms_of(bytes.fromhex(master_key)),
        "content key": forms_of(content_key),
        "publisher signing key": forms_of(publisher_signer.private_key.to_bytes()),
        "platform key": forms_of(platform_key.to_bytes()),
        "keystore key": forms_of(unlocked.to_bytes()),
        "keystore password": {password},
        "owner and licensee keys": forms_of(OWNER.key) | forms_of(LICENSEE.key),
        "registrar key": forms_of(bytes.fromhex(DEV_CHAIN_PRIVATE_KEY[2:])),
        "authorization header": {"Bearer bq_"},
    }
    leaked = {
        what: sorted(form for form in forms if form in logged)
        for what, forms in secret_texts.items()
    }
    assert not any(leaked.values()), {what: forms for what, forms in leaked.items() if forms}
    assert len(caplog.records) > 20  # the flow did log: silence would prove nothing
