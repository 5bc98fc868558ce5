"""banquan pledge / banquan asset: owners and lenders sign with their own keystores, against a
real suite on Anvil (a node of this module's own: enforcement moves its clock) and both
databases."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from chain_client.pledges import LENDER_ROLE, REGISTRY_AUTHORITY_ROLE
from cli.launcher import AnvilProcess
from cli.main import app
from crypto.keystore import encrypt_key, write_keystore
from crypto.secp256k1 import Secp256k1PrivateKey
from crypto.signing import KeySigner
from registry.assets.rights_assets import tokenize
from registry.content.ingest import describe
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime
from registry.registration.claims import ClientSignedClaim, claim_for
from registry.registration.registrar import Registrar
from tests.chain_client.conftest import ROLE_KEYS, advance_time
from tests.cli.conftest import environment_runtime
from tests.conftest import free_port

runner = CliRunner()
DAY = 24 * 3600
OWNER = Account.from_key(ROLE_KEYS["owner"])
LENDER = Account.from_key(ROLE_KEYS["lender"])
BUYER = Account.from_key(ROLE_KEYS["buyer"])
PASSWORD = "correct horse"


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    """A node of this module's own (overrides the shared one): enforcement moves its clock."""
    with AnvilProcess(port=free_port(), workdir=tmp_path_factory.mktemp("pledge-anvil")) as node:
        yield node


@pytest.fixture
def runtime(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    """The runtime the CLI builds from the environment (same data directory, same suite)."""
    with environment_runtime(
        tmp_path, database_url, anvil.rpc_url, monkeypatch, BANQUAN_KEYSTORE_PASSWORD=PASSWORD
    ) as built:
        yield built


def keystore(tmp_path: Path, account: LocalAccount) -> str:
    path = tmp_path / f"{account.address}.json"
    if not path.exists():
        key = Secp256k1PrivateKey.from_bytes(bytes(account.key))
        write_keystore(path, encrypt_key(key, PASSWORD, scrypt_n=2**10))
    return str(path)


@pytest.fixture
def asset(runtime: Runtime) -> str:
    """A registration tokenized to OWNER; LENDER holds the lender role."""
    number = (
        Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
        .register(
            io.BytesIO(f"pledged work {time.time_ns()}".encode()),
            WorkMetadata(title="质押作品", rights=("translation", "rental")),
        )
        .number
    )
    assert runtime.new_batcher().run_once().error is None
    suite = runtime.suite()
    tokenize(runtime.sessions, suite, number, OWNER.address)
    suite.pledges.grant_role(LENDER_ROLE, LENDER.address)
    return number


def invoke(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.output)
    return answer


def chain_time(runtime: Runtime) -> int:
    return int(runtime.w3.eth.get_block("latest")["timestamp"])


def consent_and_record(runtime: Runtime, tmp_path: Path, asset: str, maturity: int) -> int:
    terms = ["--amount", "100000", "--currency", "CNY", "--maturity", str(maturity)]
    consent = invoke(
        "pledge", "consent", asset, "--key", keystore(tmp_path, OWNER),
        "--lender", LENDER.address, *terms,
    )  # fmt: skip
    assert consent["owner"] == OWNER.address
    recorded = invoke(
        "pledge", "record", asset, "--key", keystore(tmp_path, LENDER), *terms,
        "--deadline", str(consent["deadline"]), "--signature", consent["signature"],
    )  # fmt: skip
    assert recorded["owner"] == OWNER.address
    assert recorded["lender"] == LENDER.address
    return int(recorded["lien_id"])


def test_pledge_show_release_then_license_and_transfer(
    runtime: Runtime, asset: str, tmp_path: Path
) -> None:
    owner_key, lender_key = keystore(tmp_path, OWNER), keystore(tmp_path, LENDER)
    lien_id = consent_and_record(runtime, tmp_path, asset, chain_time(runtime) + 30 * DAY)
    shown = invoke("pledge", "show", asset)
    assert [lien["lien_id"] for lien in shown["liens"]] == [lien_id]
    assert shown["clear"] is False
    assert shown["owner"] == OWNER.address
    readable = runner.invoke(app, ["pledge", "show", asset])
    assert f"质押 lien {lien_id} 顺位 rank 1" in readable.output
    assert f"持有人 owner: {OWNER.address}" in readable.output
    standing = invoke("asset", "show", asset)  # what anyone may read of it
    assert (standing["registration"], standing["owner"], standing["pledged"]) == (
        asset,
        OWNER.address,
        True,
    )
    assert [(lien["lien_id"], lien["rank"], lien["lender"]) for lien in standing["liens"]] == [
        (lien_id, 1, LENDER.address)
    ]
    assert "质押 pledged: 是 yes" in runner.invoke(app, ["asset", "show", asset]).output

    before = runtime.w3.eth.get_transaction_count(OWNER.address)
    refused = runner.invoke(app, ["asset", "transfer", asset, BUYER.address, "--key", owner_key])
    assert refused.exit_code == 2
    assert "encumbered" in refused.output
    as_json = runner.invoke(
        app, ["asset", "transfer", asset, BUYER.address, "--key", owner_key, "--json"]
    )
    assert as_json.exit_code == 2
    assert json.loads(as_json.output)["error"] == "encumbered"
    assert runtime.w3.eth.get_transaction_count(OWNER.address) == before

    released = invoke("pledge", "release", str(lien_id), "--key", lender_key)
    assert released["lien_id"] == lien_id
    assert invoke("pledge", "show", asset)["clear"] is True

    now = chain_time(runtime)
    granted = invoke(
        "asset", "licence", asset, "--key", owner_key, "--licensee", BUYER.address,
        "--right", "translation", "--start", str(now + 60), "--end", str(now + 90 * DAY),
        "--exclusive", "--revocable",
    )  # fmt: skip
    assert granted["licensee"] == BUYER.address
    assert invoke("pledge", "show", asset)["exclusive_licences"] == [granted["licence_id"]]
    assert licence_states(asset) == [(granted["licence_id"], "not_started")]
    advance_time(runtime.w3, 120)
    assert licence_states(asset) == [(granted["licence_id"], "in_force")]
    shown_readable = runner.invoke(app, ["asset", "show", asset]).output
    assert f"许可 licence {granted['licence_id']} 有效 in force，独占 exclusive" in shown_readable
    assert "翻译权 translation" in shown_readable
    revoked = invoke("asset", "revoke", str(granted["licence_id"]), "--key", owner_key)
    assert revoked["licence_id"] == granted["licence_id"]
    assert licence_states(asset) == [(granted["licence_id"], "revoked")]
    moved = invoke("asset", "transfer", asset, BUYER.address, "--key", owner_key)
    assert (moved["from"], moved["to"]) == (OWNER.address, BUYER.address)
    assert runtime.suite().rights_asset.owner_of(int(moved["asset_id"], 16)) == BUYER.address
    standing = invoke("asset", "show", asset)
    assert (standing["owner"], standing["pledged"]) == (BUYER.address, False)
    # The API answers the same reading (one service; the same block, nothing moved since).
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        assert client.get(f"/v1/assets/{asset}").json() == standing


def licence_states(asset: str) -> list[tuple[int, str]]:
    return [
        (entry["licence_id"], entry["state"])
        for entry in invoke("asset", "show", asset)["licences"]
    ]


def test_refusals_exit_2_with_the_code(runtime: Runtime, asset: str, tmp_path: Path) -> None:
    maturity = str(chain_time(runtime) + 30 * DAY)
    not_owner = runner.invoke(
        app,
        [
            "pledge", "consent", asset, "--key", keystore(tmp_path, BUYER),
            "--lender", LENDER.address, "--amount", "1", "--maturity", maturity, "--json",
        ],
    )  # fmt: skip
    assert not_owner.exit_code == 2
    assert json.loads(not_owner.output)["error"] == "not_asset_owner"
    forged = runner.invoke(
        app,
        [
            "pledge", "record", asset, "--key", keystore(tmp_path, LENDER), "--amount", "1",
            "--maturity", maturity, "--deadline", str(chain_time(runtime) + 3600),
            "--signature", "0x" + "11" * 65,
        ],
    )  # fmt: skip
    assert forged.exit_code == 2
    assert "invalid_consent_signature" in forged.output
    missing = runner.invoke(app, ["pledge", "release", "999", "--key", keystore(tmp_path, LENDER)])
    assert missing.exit_code == 2
    assert "lien_not_found" in missing.output
    assert invoke("pledge", "show", asset)["clear"] is True


def test_lender_enforces_a_matured_lien(runtime: Runtime, asset: str, tmp_path: Path) -> None:
    lien_id = consent_and_record(runtime, tmp_path, asset, chain_time(runtime) + DAY)
    lender_key = keystore(tmp_path, LENDER)
    early = runner.invoke(
        app, ["pledge", "enforce", str(lien_id), "--to", BUYER.address, "--key", lender_key]
    )
    assert early.exit_code == 2
    assert "lien_not_matured" in early.output
    advance_time(runtime.w3, 2 * DAY)
    enforced = invoke("pledge", "enforce", str(lien_id), "--to", BUYER.address, "--key", lender_key)
    assert (enforced["from"], enforced["to"]) == (OWNER.address, BUYER.address)
    assert runtime.suite().rights_asset.owner_of(int(enforced["asset_id"], 16)) == BUYER.address


def test_lender_consents_to_one_licence_the_owner_grants_once(
    runtime: Runtime, asset: str, tmp_path: Path
) -> None:
    lien_id = consent_and_record(runtime, tmp_path, asset, chain_time(runtime) + 30 * DAY)
    owner_key, lender_key = keystore(tmp_path, OWNER), keystore(tmp_path, LENDER)
    now = chain_time(runtime)
    licence = [
        "--licensee", BUYER.address, "--right", "translation", "--territory", "156",
        "--start", str(now + 600), "--end", str(now + 365 * DAY),
    ]  # fmt: skip
    # The owner's key is no lender's: it cannot consent for the lien.
    assert (
        refused_code("pledge", "consent-licence", str(lien_id), "--key", owner_key, *licence)
        == "not_lien_lender"
    )
    assert (
        refused_code("pledge", "consent-licence", str(lien_id), "--key", lender_key)
        == "invalid_licence_terms"
    )
    consented = invoke("pledge", "consent-licence", str(lien_id), "--key", lender_key, *licence)
    assert consented["lien_id"] == lien_id
    assert consented["withdrawn"] is False
    assert (
        refused_code("asset", "licence", asset, "--key", owner_key, *licence, "--exclusive")
        == "encumbered"
    )
    granted = invoke("asset", "licence", asset, "--key", owner_key, *licence)
    assert granted["licensee"] == BUYER.address
    assert refused_code("asset", "licence", asset, "--key", owner_key, *licence) == "encumbered"
    withdrawn = invoke("pledge", "consent-licence", str(lien_id), "--key", lender_key, "--withdraw")
    assert withdrawn["withdrawn"] is True


def test_lien_moves_with_both_lenders_is_reduced_and_recovery_is_cancelled(
    runtime: Runtime, asset: str, tmp_path: Path
) -> None:
    lien_id = consent_and_record(runtime, tmp_path, asset, chain_time(runtime) + 30 * DAY)
    lender2 = Account.from_key(ROLE_KEYS["lender2"])
    runtime.suite().pledges.grant_role(LENDER_ROLE, lender2.address)
    lender_key, lender2_key = keystore(tmp_path, LENDER), keystore(tmp_path, lender2)
    lien = str(lien_id)
    consent = invoke("pledge", "sign-transfer", lien, "--key", lender2_key, "--to", lender2.address)
    assert consent["signer"] == lender2.address
    signed = ["--deadline", str(consent["deadline"]), "--signature", consent["signature"]]
    # The new lender cannot send its own consent: the move needs the current lender's.
    assert (
        refused_code(
            "pledge", "assign", lien, "--key", lender2_key, "--to", lender2.address, *signed
        )
        == "invalid_consent_signature"
    )
    moved = invoke("pledge", "assign", lien, "--key", lender_key, "--to", lender2.address, *signed)
    assert (moved["from"], moved["to"], moved["how"]) == (
        LENDER.address, lender2.address, "assignment",
    )  # fmt: skip
    assert (
        refused_code("pledge", "reduce", lien, "--key", lender_key, "--amount", "1")
        == "not_lien_lender"
    )
    reduced = invoke("pledge", "reduce", lien, "--key", lender2_key, "--amount", "1")
    assert (reduced["old_amount"], reduced["new_amount"]) == ("100000", "1")
    proposed = invoke("admin", "propose-lender-recovery", lien, LENDER.address)
    assert proposed["new_lender"] == LENDER.address
    assert refused_code("pledge", "recovery", lien, "--key", lender_key) == "recovery_not_ready"
    cancelled = invoke("pledge", "recovery", lien, "--key", lender2_key, "--cancel")
    assert cancelled["cancelled"] is True


def test_the_registry_authority_attests_a_registration(
    runtime: Runtime, asset: str, tmp_path: Path
) -> None:
    lien = str(consent_and_record(runtime, tmp_path, asset, chain_time(runtime) + 30 * DAY))
    authority = Account.from_key(ROLE_KEYS["regulator"])
    attest = ["--number", "2026-Z-00012345", "--registered-at", str(chain_time(runtime) - 60)]
    # The lender's key holds no authority role: it cannot attest its own lien's registration.
    lender_key = keystore(tmp_path, LENDER)
    assert refused_code("pledge", "attest", lien, "--key", lender_key, *attest) == "forbidden"
    runtime.suite().pledges.grant_role(REGISTRY_AUTHORITY_ROLE, authority.address)
    attested = invoke("pledge", "attest", lien, "--key", keystore(tmp_path, authority), *attest)
    assert (attested["number"], attested["rank"]) == ("2026-Z-00012345", 1)


# ---------------------------------------------------------------- tokenize (controller-bound)


def register_bound(runtime: Runtime, controller: LocalAccount) -> str:
    """A registration whose claim ``controller``'s own secp256k1 key signed, anchored."""
    signer = KeySigner(Secp256k1PrivateKey.from_bytes(bytes(controller.key)))
    content = f"bound work {time.time_ns()}".encode()
    metadata = WorkMetadata(title="约束作品", rights=("translation",))
    claim = claim_for(
        describe(io.BytesIO(content)), metadata, signer.public_key, registered_at=runtime.now()
    )
    view = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now).register(
        io.BytesIO(content),
        metadata,
        client_signed=ClientSignedClaim(claim.to_json(), claim.sign(signer).to_text()),
    )
    assert runtime.new_batcher().run_once().error is None
    return view.number


def refused_code(*args: str) -> str:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 2, result.output
    code: str = json.loads(result.output)["error"]
    return code


def test_tokenize_a_bound_registration_signs_with_the_controllers_key(
    runtime: Runtime, tmp_path: Path
) -> None:
    number = register_bound(runtime, OWNER)
    # Without the controller's key, or with another key: refused, nothing minted.
    assert refused_code("asset", "tokenize", number, "--owner", OWNER.address) == (
        "mint_authorization_required"
    )
    other = keystore(tmp_path, BUYER)
    assert refused_code("asset", "tokenize", number, "--key", other) == (
        "invalid_mint_authorization"
    )
    assert (
        refused_code("asset", "tokenize", number, "--key", other, "--owner", OWNER.address)
        == "invalid_mint_authorization"
    )
    minted = invoke("asset", "tokenize", number, "--key", keystore(tmp_path, OWNER))
    assert minted["owner"] == OWNER.address
    assert minted["controller"] == OWNER.address
    assert runtime.suite().rights_asset.owner_of(int(minted["asset_id"], 16)) == OWNER.address


def test_tokenize_a_custodial_registration_needs_no_key(runtime: Runtime) -> None:
    number = (
        Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
        .register(io.BytesIO(f"custodial {time.time_ns()}".encode()), WorkMetadata(title="托管"))
        .number
    )
    assert runtime.new_batcher().run_once().error is None
    minted = invoke("asset", "tokenize", number, "--owner", BUYER.address, "--territory", "156")
    assert minted["owner"] == BUYER.address
    assert minted["territory"] == 156
    assert minted["controller"] is None
