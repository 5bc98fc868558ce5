"""Prepare, sign, submit over HTTP on a real suite on Anvil (a node of this module's own: tests
move its clock) and both databases: owners and lenders sign with eth_account, the registry
holds no key of theirs, and every refusal leaves the chain and the signer's nonce unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from httpx2 import Response
from web3 import Web3

from api.app import create_app
from chain_client.pledges import LENDER_ROLE
from cli.launcher import AnvilProcess
from registry.platform.runtime import Runtime
from tests.chain_client.conftest import ROLE_KEYS, advance_time
from tests.conftest import bearer, free_port

DAY = 24 * 3600
OWNER = Account.from_key(ROLE_KEYS["owner"])
LENDER = Account.from_key(ROLE_KEYS["lender"])
LENDER2 = Account.from_key(ROLE_KEYS["lender2"])
BUYER = Account.from_key(ROLE_KEYS["buyer"])


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    """A node of this module's own (overrides the shared one): enforcement moves its clock."""
    with AnvilProcess(port=free_port(), workdir=tmp_path_factory.mktemp("writes-anvil")) as node:
        yield node


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


@pytest.fixture
def asset(client: TestClient, runtime: Runtime) -> str:
    """A registration tokenized to OWNER; LENDER and LENDER2 hold the lender role."""
    publisher = bearer(runtime, "publisher")
    number = client.post(
        "/v1/works",
        files={"file": ("w.txt", f"writes {runtime.settings.data_dir}".encode())},
        data={"metadata": json.dumps({"title": "资产", "rights": ["translation", "rental"]})},
        headers=publisher,
    ).json()["number"]
    assert runtime.new_batcher().run_once().error is None
    minted = client.post(
        f"/v1/works/{number}/tokenize", json={"owner": OWNER.address}, headers=publisher
    )
    assert minted.status_code == 201, minted.text
    pledges = runtime.suite().pledges
    for lender in (LENDER, LENDER2):
        pledges.grant_role(LENDER_ROLE, lender.address)
    return str(number)


def chain_time(runtime: Runtime) -> int:
    return int(runtime.w3.eth.get_block("latest")["timestamp"])


def nonce(runtime: Runtime, account: LocalAccount) -> int:
    return int(runtime.w3.eth.get_transaction_count(account.address))


def prepare(
    client: TestClient, runtime: Runtime, path: str, body: dict[str, Any], scope: str
) -> dict[str, Any]:
    prepared = client.post(path, json=body, headers=bearer(runtime, scope))
    assert prepared.status_code == 200, prepared.text
    result: dict[str, Any] = prepared.json()
    return result


def submit(
    client: TestClient, runtime: Runtime, raw: bytes | str, scope: str = "publisher"
) -> Response:
    text = raw if isinstance(raw, str) else "0x" + raw.hex()
    return client.post(
        "/v1/transactions", json={"raw_transaction": text}, headers=bearer(runtime, scope)
    )


def relay(
    client: TestClient,
    runtime: Runtime,
    path: str,
    body: dict[str, Any],
    signer: LocalAccount,
    scope: str,
) -> dict[str, Any]:
    """Prepare, sign with eth_account, submit: the mined event."""
    prepared = prepare(client, runtime, path, body, scope)
    assert prepared["transaction"]["from"] == signer.address
    raw = signer.sign_transaction(prepared["transaction"]).raw_transaction
    done = submit(client, runtime, bytes(raw), scope)
    assert done.status_code == 200, done.text
    result: dict[str, Any] = done.json()
    assert result["operation"] == prepared["operation"]
    assert result["signer"] == signer.address
    return result


def owner_consent(
    client: TestClient,
    runtime: Runtime,
    number: str,
    terms: dict[str, Any],
    owner: LocalAccount = OWNER,
) -> str:
    """The consent payload from the registry, signed by the owner with eth_account."""
    answer = client.post(
        f"/v1/assets/{number}/pledge-consent", json=terms, headers=bearer(runtime, "publisher")
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["owner"] == OWNER.address
    assert body["typed_data"]["message"]["nonce"] == str(body["nonce"])
    signed = owner.sign_typed_data(full_message=body["typed_data"])
    assert "0x" + bytes(signed.message_hash).hex() == body["digest"]
    return "0x" + bytes(signed.signature).hex()


def pledge_terms(runtime: Runtime, **overrides: object) -> dict[str, Any]:
    now = chain_time(runtime)
    terms: dict[str, Any] = {
        "lender": LENDER.address,
        "amount": 5_000_000_00,
        "currency": "CNY",
        "maturity": now + 30 * DAY,
        "official_registration_no": "PLEDGE-2026-001",
        "deadline": now + 3600,
    }
    terms.update(overrides)
    return terms


def lender_pledge(
    client: TestClient, runtime: Runtime, number: str, lender: LocalAccount = LENDER, **over: object
) -> dict[str, Any]:
    terms = pledge_terms(runtime, lender=lender.address, **over)
    signature = owner_consent(client, runtime, number, terms)
    return relay(
        client,
        runtime,
        f"/v1/assets/{number}/pledge/prepare",
        {"from": lender.address, **terms, "signature": signature},
        lender,
        "lender",
    )


def encumbrances(client: TestClient, runtime: Runtime, number: str) -> dict[str, Any]:
    report = client.get(f"/v1/assets/{number}/encumbrances", headers=bearer(runtime, "lender"))
    assert report.status_code == 200, report.text
    result: dict[str, Any] = report.json()
    return result


# -------------------------------------------------------------------------------- happy paths


def test_owner_licenses_revokes_and_transfers_by_signing_locally(
    client: TestClient, runtime: Runtime, asset: str
) -> None:
    now = chain_time(runtime)
    granted = relay(
        client,
        runtime,
        f"/v1/assets/{asset}/licences/prepare",
        {
            "from": OWNER.address,
            "licensee": BUYER.address,
            "rights": ["translation"],
            "territory": 156,
            "start": now + 60,
            "end": now + 365 * DAY,
            "exclusive": True,
            "revocable": True,
            "terms_digest": "ab" * 32,
        },
        OWNER,
        "publisher",
    )
    assert granted["event"] == "LicenceGranted"
    assert granted["parties"] == {"licensor": OWNER.address, "licensee": BUYER.address}
    report = encumbrances(client, runtime, asset)
    assert [lic["licence_id"] for lic in report["exclusive_licences"]] == [granted["licence_id"]]
    assert report["asset_id"] == granted["asset_id"]

    revoked = relay(
        client,
        runtime,
        f"/v1/licences/{granted['licence_id']}/revoke/prepare",
        {"from": OWNER.address, "reason_digest": "0x" + "cd" * 32},
        OWNER,
        "publisher",
    )
    assert (revoked["event"], revoked["licence_id"]) == ("LicenceRevoked", granted["licence_id"])
    assert encumbrances(client, runtime, asset)["exclusive_licences"] == []

    moved = relay(
        client,
        runtime,
        f"/v1/assets/{asset}/transfer/prepare",
        {"from": OWNER.address, "to": BUYER.address},
        OWNER,
        "publisher",
    )
    assert moved["event"] == "Transfer"
    assert moved["parties"] == {"from": OWNER.address, "to": BUYER.address}
    suite = runtime.suite()
    assert suite.rights_asset.owner_of(int(moved["asset_id"], 16)) == BUYER.address


def test_lender_pledges_with_the_owners_consent_then_releases(
    client: TestClient, runtime: Runtime, asset: str
) -> None:
    pledged = lender_pledge(client, runtime, asset)
    assert pledged["event"] == "Pledged"
    assert pledged["parties"] == {"owner": OWNER.address, "lender": LENDER.address}
    liens = encumbrances(client, runtime, asset)["liens"]
    assert [(lien["lien_id"], lien["lender"]) for lien in liens] == [
        (pledged["lien_id"], LENDER.address)
    ]
    assert liens[0]["currency"] == "CNY"

    # A pledged asset does not move, and the contracts in use take one lien only.
    before = nonce(runtime, OWNER)
    refused = client.post(
        f"/v1/assets/{asset}/transfer/prepare",
        json={"from": OWNER.address, "to": BUYER.address},
        headers=bearer(runtime, "publisher"),
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "encumbered")
    terms = pledge_terms(runtime, lender=LENDER2.address)
    signature = owner_consent(client, runtime, asset, terms)
    double = client.post(
        f"/v1/assets/{asset}/pledge/prepare",
        json={"from": LENDER2.address, **terms, "signature": signature},
        headers=bearer(runtime, "lender"),
    )
    assert (double.status_code, double.json()["code"]) == (409, "already_pledged")
    assert nonce(runtime, OWNER) == before

    released = relay(
        client,
        runtime,
        f"/v1/liens/{pledged['lien_id']}/release/prepare",
        {"from": LENDER.address},
        LENDER,
        "lender",
    )
    assert (released["event"], released["lien_id"]) == ("Released", pledged["lien_id"])
    assert encumbrances(client, runtime, asset)["clear"] is True


def test_lender_consents_to_one_licence_which_the_owner_then_grants_once(
    client: TestClient, runtime: Runtime, asset: str
) -> None:
    pledged = lender_pledge(client, runtime, asset)
    now = chain_time(runtime)
    licence = {
        "licensee": BUYER.address,
        "rights": ["translation"],
        "territory": 156,
        "start": now + 600,
        "end": now + 365 * DAY,
        "exclusive": False,
        "revocable": True,
        "terms_digest": "ab" * 32,
    }
    path = f"/v1/liens/{pledged['lien_id']}/licensing-consent/prepare"
    # Another lender (a valid key and scope, not this lien's) cannot consent for it.
    before = nonce(runtime, LENDER2)
    other = client.post(
        path, json={"from": LENDER2.address, **licence}, headers=bearer(runtime, "lender")
    )
    assert (other.status_code, other.json()["code"]) == (403, "not_lien_lender")
    unnamed = client.post(
        path, json={"from": LENDER.address, "territory": 156}, headers=bearer(runtime, "lender")
    )
    assert (unnamed.status_code, unnamed.json()["code"]) == (422, "invalid_licence_terms")
    unknown = client.post(
        path,
        json={"from": LENDER.address, **licence, "rights": ["translation", "telepathy"]},
        headers=bearer(runtime, "lender"),
    )
    assert (unknown.status_code, unknown.json()["details"]) == (422, {"unknown": ["telepathy"]})
    assert nonce(runtime, LENDER2) == before

    consented = relay(client, runtime, path, {"from": LENDER.address, **licence}, LENDER, "lender")
    assert consented["event"] == "LicensingConsentSet"
    assert consented["lien_id"] == pledged["lien_id"]
    assert consented["parties"] == {"lender": LENDER.address}

    grant = f"/v1/assets/{asset}/licences/prepare"
    wider = {**licence, "exclusive": True, "revocable": False, "territory": 0}
    refused = client.post(
        grant, json={"from": OWNER.address, **wider}, headers=bearer(runtime, "publisher")
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "encumbered")
    granted = relay(client, runtime, grant, {"from": OWNER.address, **licence}, OWNER, "publisher")
    assert granted["event"] == "LicenceGranted"
    twice = client.post(
        grant, json={"from": OWNER.address, **licence}, headers=bearer(runtime, "publisher")
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "encumbered")


def test_a_lien_moves_to_another_lender_only_with_both_lenders_and_is_reduced(
    client: TestClient, runtime: Runtime, asset: str
) -> None:
    pledged = lender_pledge(client, runtime, asset)
    lien = pledged["lien_id"]
    lender = bearer(runtime, "lender")

    def consent_of(signer: LocalAccount) -> dict[str, Any]:
        answer = client.post(
            f"/v1/liens/{lien}/transfer-consent",
            json={"signer": signer.address, "to": LENDER2.address},
            headers=lender,
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        signed = signer.sign_typed_data(full_message=body["typed_data"]).signature
        return {"deadline": body["deadline"], "signature": "0x" + bytes(signed).hex()}

    # The would-be new lender signs its own consent and sends it: it needs the old lender's.
    before = nonce(runtime, LENDER2)
    own = consent_of(LENDER2)
    path = f"/v1/liens/{lien}/assign/prepare"
    taken = client.post(
        path, json={"from": LENDER2.address, "to": LENDER2.address, **own}, headers=lender
    )
    assert (taken.status_code, taken.json()["code"]) == (422, "invalid_consent_signature")
    stranger = client.post(
        path, json={"from": BUYER.address, "to": LENDER2.address, **own}, headers=lender
    )
    assert (stranger.status_code, stranger.json()["code"]) == (403, "not_lien_lender")
    assert nonce(runtime, LENDER2) == before

    moved = relay(
        client, runtime, path, {"from": LENDER.address, "to": LENDER2.address, **own}, LENDER,
        "lender",
    )  # fmt: skip
    assert (moved["event"], moved["operation"]) == ("LenderChanged", "lien_assign")
    assert moved["parties"] == {"from": LENDER.address, "to": LENDER2.address}
    assert runtime.suite().pledges.lien_of(lien).lender == LENDER2.address

    reduce = f"/v1/liens/{lien}/reduce/prepare"
    old_lender = client.post(reduce, json={"from": LENDER.address, "amount": 1}, headers=lender)
    assert (old_lender.status_code, old_lender.json()["code"]) == (403, "not_lien_lender")
    upward = client.post(reduce, json={"from": LENDER2.address, "amount": 10**12}, headers=lender)
    assert (upward.status_code, upward.json()["code"]) == (422, "invalid_pledge_terms")
    reduced = relay(
        client, runtime, reduce, {"from": LENDER2.address, "amount": 1_000}, LENDER2, "lender"
    )
    assert reduced["event"] == "LienReduced"
    assert runtime.suite().pledges.lien_of(lien).amount == 1_000

    # A lost key: the administrator proposes a recovery, which the current key can cancel.
    recovery = f"/v1/admin/liens/{lien}/recovery"
    refused = client.post(recovery, json={"new_lender": LENDER.address}, headers=lender)
    assert refused.status_code == 403
    proposed = client.post(
        recovery, json={"new_lender": LENDER.address}, headers=bearer(runtime, "admin")
    )
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["new_lender"] == LENDER.address
    early = client.post(
        f"/v1/liens/{lien}/recovery/execute/prepare", json={"from": LENDER.address}, headers=lender
    )
    assert (early.status_code, early.json()["code"]) == (409, "recovery_not_ready")
    cancelled = relay(
        client, runtime, f"/v1/liens/{lien}/recovery/cancel/prepare",
        {"from": LENDER2.address}, LENDER2, "lender",
    )  # fmt: skip
    assert cancelled["event"] == "LenderRecoveryCancelled"
    advance_time(runtime.w3, 31 * DAY)
    late = client.post(
        f"/v1/liens/{lien}/recovery/execute/prepare", json={"from": LENDER.address}, headers=lender
    )
    assert (late.status_code, late.json()["code"]) == (409, "recovery_not_pending")


def test_lender_enforces_a_matured_lien(client: TestClient, runtime: Runtime, asset: str) -> None:
    pledged = lender_pledge(client, runtime, asset, maturity=chain_time(runtime) + DAY)
    path = f"/v1/liens/{pledged['lien_id']}/enforce/prepare"
    body = {"from": LENDER.address, "to": BUYER.address}
    early = client.post(path, json=body, headers=bearer(runtime, "lender"))
    assert (early.status_code, early.json()["code"]) == (409, "lien_not_matured")
    advance_time(runtime.w3, 2 * DAY)
    enforced = relay(client, runtime, path, body, LENDER, "lender")
    assert enforced["event"] == "Enforced"
    assert enforced["parties"] == {
        "lender": LENDER.address,
        "from": OWNER.address,
        "to": BUYER.address,
    }
    assert runtime.suite().rights_asset.owner_of(int(enforced["asset_id"], 16)) == BUYER.address
    assert encumbrances(client, runtime, asset)["clear"] is True


# ----------------------------------------------------------------------------------- refusals


def test_prepare_refusals(client: TestClient, runtime: Runtime, asset: str) -> None:
    publisher, platform = bearer(runtime, "publisher"), bearer(runtime, "platform")
    transfer = f"/v1/assets/{asset}/transfer/prepare"
    body = {"from": OWNER.address, "to": BUYER.address}
    accounts = (OWNER, LENDER, BUYER)
    before = [nonce(runtime, account) for account in accounts]

    assert client.post(transfer, json=body).status_code == 401
    wrong_scope = client.post(transfer, json=body, headers=platform)
    assert (wrong_scope.status_code, wrong_scope.json()["code"]) == (403, "missing_scope")
    lender_only = client.post(
        "/v1/liens/1/release/prepare", json={"from": LENDER.address}, headers=publisher
    )
    assert lender_only.status_code == 403
    not_owner = client.post(
        transfer, json={"from": BUYER.address, "to": BUYER.address}, headers=publisher
    )
    assert (not_owner.status_code, not_owner.json()["code"]) == (403, "not_asset_owner")
    bad_from = client.post(
        transfer, json={"from": "nobody", "to": BUYER.address}, headers=publisher
    )
    assert (bad_from.status_code, bad_from.json()["code"]) == (400, "invalid_address")
    no_asset = client.post(
        "/v1/assets/BQ-2026-99999999/transfer/prepare", json=body, headers=publisher
    )
    assert no_asset.status_code == 404

    now = chain_time(runtime)
    expired_payload = client.post(
        f"/v1/assets/{asset}/pledge-consent",
        json=pledge_terms(runtime, deadline=now - 1),
        headers=publisher,
    )
    assert (expired_payload.status_code, expired_payload.json()["code"]) == (
        422,
        "consent_expired",
    )
    terms = pledge_terms(runtime)
    signature = owner_consent(client, runtime, asset, terms)
    pledge_path = f"/v1/assets/{asset}/pledge/prepare"
    lender = bearer(runtime, "lender")
    expired = client.post(
        pledge_path,
        json={"from": LENDER.address, **terms, "deadline": now - 1, "signature": signature},
        headers=lender,
    )
    assert (expired.status_code, expired.json()["code"]) == (422, "consent_expired")
    other_terms = client.post(
        pledge_path,
        json={"from": LENDER.address, **terms, "amount": 1, "signature": signature},
        headers=lender,
    )
    assert (other_terms.status_code, other_terms.json()["code"]) == (
        422,
        "invalid_consent_signature",
    )
    forged = owner_consent(client, runtime, asset, terms, owner=BUYER)
    by_other = client.post(
        pledge_path, json={"from": LENDER.address, **terms, "signature": forged}, headers=lender
    )
    assert by_other.json()["code"] == "invalid_consent_signature"
    assert [nonce(runtime, account) for account in accounts] == before
    assert encumbrances(client, runtime, asset)["clear"] is True


def signed_variant(prepared: dict[str, Any], signer: LocalAccount, **changes: Any) -> bytes:
    tx = {**prepared["transaction"], **changes}
    return bytes(signer.sign_transaction(tx).raw_transaction)


def test_submit_refuses_anything_but_the_checked_call(
    client: TestClient, runtime: Runtime, asset: str
) -> None:
    suite = runtime.suite()
    prepared = prepare(
        client,
        runtime,
        f"/v1/assets/{asset}/transfer/prepare",
        {"from": OWNER.address, "to": BUYER.address},
        "publisher",
    )
    data = prepared["transaction"]["data"]
    asset_id = int(data[-64:], 16)
    before = nonce(runtime, OWNER)

    def refused(raw: bytes | str, status: int, code: str, scope: str = "publisher") -> None:
        answer = submit(client, runtime, raw, scope)
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
        assert nonce(runtime, OWNER) == before
        assert suite.rights_asset.owner_of(asset_id) == OWNER.address

    refused("0xzz", 400, "invalid_transaction")
    refused("0x" + "02" * 40, 400, "invalid_transaction")
    refused("", 400, "invalid_transaction")
    # Trailing bytes decode to the same arguments, but are not the call the checks produce.
    refused(signed_variant(prepared, OWNER, data=data + "00" * 32), 422, "transaction_mismatch")
    # transferFrom naming another `from` than the owner.
    other_from = data[:10] + BUYER.address[2:].lower().rjust(64, "0") + data[74:]
    refused(signed_variant(prepared, OWNER, data=other_from), 422, "transaction_mismatch")
    refused(signed_variant(prepared, OWNER, value=1), 422, "transaction_mismatch")
    foreign = Web3.to_checksum_address("0x" + "42" * 20)
    refused(signed_variant(prepared, OWNER, to=foreign), 422, "transaction_not_allowed")
    anchor = suite.registry_anchor.address
    refused(signed_variant(prepared, OWNER, to=anchor), 422, "transaction_not_allowed")
    approve = suite.rights_asset.contract.encode_abi("approve", args=[BUYER.address, asset_id])
    refused(signed_variant(prepared, OWNER, data=approve), 422, "transaction_not_allowed")
    refused(signed_variant(prepared, OWNER, chainId=1), 400, "invalid_transaction")
    refused(signed_variant(prepared, OWNER, nonce=before + 5), 400, "invalid_transaction")
    refused(signed_variant(prepared, OWNER, gas=21_000), 400, "invalid_transaction")
    # The right call signed by someone else: the checks run for that signer.
    refused(signed_variant(prepared, BUYER, **{"from": BUYER.address}), 403, "not_asset_owner")
    # An owner operation needs the publisher scope.
    refused(signed_variant(prepared, OWNER), 403, "missing_scope", scope="lender")

    done = submit(client, runtime, signed_variant(prepared, OWNER))
    assert done.status_code == 200, done.text
    assert suite.rights_asset.owner_of(asset_id) == BUYER.address
    # The same signed bytes again: the nonce is used.
    again = submit(client, runtime, signed_variant(prepared, OWNER))
    assert again.status_code in (400, 403), again.text
