"""Tokenizing registrations and reading encumbrances over HTTP, on a real suite on Anvil."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from httpx2 import Response
from multiformats import CID
from sqlalchemy import select

from api.app import create_app
from chain_client.licences import LicenceTerms
from chain_client.rights_assets import Right
from chain_client.transactions import TransactionSender
from crypto.signing import generate_private_key, public_key_to_json
from crypto.sm2 import SM2PrivateKey
from crypto.stream import decrypt_stream
from crypto.symmetric import WrappedKey, unwrap_key_with
from registry.assets import grant_licence
from registry.content_keys import content_key_request
from registry.content_store import read_content
from registry.models import Work
from registry.runtime import Runtime
from tests.conftest import bearer

OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def register(client: TestClient, runtime: Runtime, content: bytes) -> str:
    response = client.post(
        "/v1/works",
        files={"file": ("w.txt", content)},
        data={
            "metadata": json.dumps({"title": "资产", "rights": ["reproduction", "distribution"]})
        },
        headers=bearer(runtime, "publisher"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


def test_anchored_registration_becomes_an_asset_once(client: TestClient, runtime: Runtime) -> None:
    number = register(client, runtime, b"to be tokenized")
    publisher = bearer(runtime, "publisher")
    pending = client.post(f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=publisher)
    assert pending.status_code == 409
    assert pending.json()["code"] == "not_anchored"

    runtime.new_batcher().run_once()
    minted = client.post(f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=publisher)
    assert minted.status_code == 201, minted.text
    body = minted.json()
    assert body["owner"] == OWNER
    assert body["rights"] == (1 << 4) | (1 << 5)  # reproduction, distribution
    again = client.post(f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=publisher)
    assert again.status_code == 409
    assert again.json()["code"] == "already_tokenized"

    lender = bearer(runtime, "lender")
    report = client.get(f"/v1/assets/{number}/encumbrances", headers=lender)
    assert report.status_code == 200, report.text
    assert report.json()["clear"] is True
    assert report.json()["asset_id"] == body["asset_id"]
    by_id = client.get(f"/v1/assets/{body['asset_id']}/encumbrances", headers=lender)
    assert by_id.json()["liens"] == []
    past = client.get(
        f"/v1/assets/{number}/encumbrances",
        params={"block": body["block_number"]},
        headers=lender,
    )
    assert past.status_code == 200
    assert past.json()["block"] == str(body["block_number"])


def test_asset_endpoints_need_their_scopes_and_valid_input(
    client: TestClient, runtime: Runtime
) -> None:
    number = register(client, runtime, b"scoped")
    runtime.new_batcher().run_once()
    assert client.post(f"/v1/works/{number}/tokenize", json={"owner": OWNER}).status_code == 401
    platform = bearer(runtime, "platform")
    assert (
        client.post(
            f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=platform
        ).status_code
        == 403
    )
    assert client.get(f"/v1/assets/{number}/encumbrances", headers=platform).status_code == 403
    bad = client.post(
        f"/v1/works/{number}/tokenize",
        json={"owner": "not-an-address"},
        headers=bearer(runtime, "publisher"),
    )
    assert bad.status_code in (400, 422)
    missing = client.get(
        "/v1/assets/BQ-2026-99999999/encumbrances", headers=bearer(runtime, "lender")
    )
    assert missing.status_code == 404


OWNER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # Anvil account 1
LICENSEE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # Anvil account 2


def test_platform_asks_whether_a_work_is_licensed_to_it(
    client: TestClient, runtime: Runtime
) -> None:
    number = register(client, runtime, b"licensed work")
    runtime.new_batcher().run_once()
    minted = client.post(
        f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=bearer(runtime, "publisher")
    ).json()
    suite = runtime.suite()
    owner = TransactionSender(suite.rights_asset.w3, Account.from_key(OWNER_KEY))
    block = suite.rights_asset.w3.eth.get_block("latest")
    grant_licence(
        suite.as_sender(owner),
        owner,
        LicenceTerms(
            asset_id=int(minted["asset_id"], 16),
            licensee=LICENSEE,
            rights=1 << 4,  # reproduction only
            territory=156,  # China
            start=int(block["timestamp"]) - 10,
            end=int(block["timestamp"]) + 86400,
        ),
    )
    platform = bearer(runtime, "platform")
    asked: dict[str, str | int] = {
        "licensee": LICENSEE,
        "territory": 156,
        "at": int(block["timestamp"]),
    }
    yes = client.get(
        f"/v1/assets/{number}/licensed", params={**asked, "right": "reproduction"}, headers=platform
    )
    assert yes.status_code == 200, yes.text
    assert yes.json()["licensed"] is True
    assert yes.json()["licence_id"] is not None
    other_right = client.get(
        f"/v1/assets/{number}/licensed", params={**asked, "right": "translation"}, headers=platform
    )
    assert other_right.json()["licensed"] is False
    elsewhere = client.get(
        f"/v1/assets/{number}/licensed",
        params={**asked, "right": "reproduction", "territory": 840},
        headers=platform,
    )
    assert elsewhere.json()["licensed"] is False
    bad = client.get(
        f"/v1/assets/{number}/licensed", params={**asked, "right": "flying"}, headers=platform
    )
    assert bad.status_code == 400


LICENSEE_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"  # Anvil #2


def test_a_licensed_platform_gets_the_content_key_for_its_own_sm2_key(
    client: TestClient, runtime: Runtime
) -> None:
    secret_text = "仅限授权平台阅读的内容。".encode() * 500
    number = client.post(
        "/v1/works",
        files={"file": ("private.txt", secret_text)},
        data={"metadata": json.dumps({"title": "私有作品"})},
        headers=bearer(runtime, "publisher"),
    ).json()["number"]
    runtime.new_batcher().run_once()
    minted = client.post(
        f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=bearer(runtime, "publisher")
    ).json()
    platform_key = generate_private_key("sm2")
    assert isinstance(platform_key, SM2PrivateKey)
    licensee = Account.from_key(LICENSEE_KEY)

    def ask(right: str, signer: LocalAccount = licensee) -> Response:
        request = content_key_request(number, LICENSEE, right, platform_key.public_key)
        signature = signer.sign_message(encode_defunct(request)).signature.hex()
        return client.post(
            f"/v1/works/{number}/content-key",
            json={
                "licensee": LICENSEE,
                "right": right,
                "recipient_key": public_key_to_json(platform_key.public_key),
                "signature": signature,
            },
            headers=bearer(runtime, "platform"),
        )

    refused = ask("information_network")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_licensed"

    suite = runtime.suite()
    owner = TransactionSender(suite.rights_asset.w3, Account.from_key(OWNER_KEY))
    block = suite.rights_asset.w3.eth.get_block("latest")
    grant_licence(
        suite.as_sender(owner),
        owner,
        LicenceTerms(
            asset_id=int(minted["asset_id"], 16),
            licensee=LICENSEE,
            rights=1 << int(Right.INFORMATION_NETWORK),
            territory=0,
            start=int(block["timestamp"]) - 10,
            end=int(block["timestamp"]) + 86400,
        ),
    )
    forged = ask("information_network", signer=Account.from_key(OWNER_KEY))
    assert forged.status_code == 400
    granted = ask("information_network")
    assert granted.status_code == 200, granted.text
    content_key = unwrap_key_with(platform_key, WrappedKey.from_json(granted.json()))
    work = client.get(f"/v1/works/{number}").json()
    with runtime.sessions() as session:
        stored_cid = session.scalars(select(Work.stored_cid).where(Work.cid == work["cid"])).one()
    assert stored_cid is not None
    plaintext = b"".join(
        decrypt_stream(content_key, read_content(runtime.store, CID.decode(stored_cid)))
    )
    assert plaintext == secret_text
