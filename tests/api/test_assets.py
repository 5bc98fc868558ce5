"""Tokenizing registrations and reading encumbrances over HTTP, on a real suite on Anvil."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

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
from chain_client.rights_assets import Right, sign_mint_authorization
from chain_client.transactions import TransactionSender
from crypto.secp256k1 import Secp256k1PrivateKey
from crypto.signing import KeySigner, generate_private_key, public_key_to_json
from crypto.sm2 import SM2PrivateKey
from crypto.stream import decrypt_stream
from crypto.symmetric import WrappedKey, unwrap_key_with
from registry.assets.content_keys import content_key_request
from registry.assets.rights_assets import grant_licence
from registry.content.ingest import describe
from registry.content.store import read_content
from registry.core.metadata import WorkMetadata
from registry.core.models import Work
from registry.platform.runtime import Runtime
from registry.registration.claims import claim_for
from tests.conftest import bearer

OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def register(
    client: TestClient, runtime: Runtime, content: bytes, publisher: dict[str, str] | None = None
) -> str:
    response = client.post(
        "/v1/works",
        files={"file": ("w.txt", content)},
        data={
            "metadata": json.dumps({"title": "资产", "rights": ["reproduction", "distribution"]})
        },
        headers=publisher or bearer(runtime, "publisher"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


def test_another_publisher_cannot_tokenize_a_registration(
    client: TestClient, runtime: Runtime
) -> None:
    number = register(client, runtime, b"someone else's work")
    runtime.new_batcher().run_once()
    other = bearer(runtime, "publisher")
    taken = client.post(f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=other)
    assert taken.status_code == 403
    assert taken.json()["code"] == "not_own_registration"
    report = client.get(f"/v1/assets/{number}/encumbrances", headers=bearer(runtime, "lender"))
    assert report.status_code == 404  # nothing was minted
    assert report.json()["code"] == "asset_not_found"
    public = client.get(f"/v1/assets/{number}")
    assert (public.status_code, public.json()["code"]) == (404, "asset_not_found")
    unknown = client.get("/v1/assets/BQ-2026-99999999")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "registration_not_found")


def test_minting_to_another_holders_address_does_not_claim_it(
    client: TestClient, runtime: Runtime
) -> None:
    """A publisher whose party has no address mints its own asset to an address it does not
    hold: the asset goes there, but the address stays nobody's, and its holder links it later
    by proof of possession."""
    squatter = bearer(runtime, "publisher")
    number = register(client, runtime, b"the squatter's own work", squatter)
    runtime.new_batcher().run_once()
    minted = client.post(f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=squatter)
    assert minted.status_code == 201, minted.text
    assert client.get("/v1/parties/me", headers=squatter).json()["addresses"] == []
    # Anyone asking who owns the asset is told the address, and no party: none proved it.
    standing = client.get(f"/v1/assets/{number}")
    assert standing.status_code == 200, standing.text
    assert (standing.json()["owner"], standing.json()["owner_party"]) == (OWNER, None)

    holder = bearer(runtime, "publisher")
    challenge = client.post("/v1/parties/me/keys/challenge", json={"key": OWNER}, headers=holder)
    assert challenge.status_code == 200, challenge.text
    document = challenge.json()
    signed = KeySigner(Secp256k1PrivateKey.from_bytes(bytes.fromhex(OWNER_KEY[2:]))).sign(
        str(document["message"]).encode()
    )
    linked = client.post(
        "/v1/parties/me/keys",
        json={"statement": document["statement"], "signature": signed.to_text()},
        headers=holder,
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["addresses"] == [OWNER]
    holder_party = client.get("/v1/parties/me", headers=holder).json()
    assert client.get(f"/v1/assets/{number}").json()["owner_party"] == {
        "party_id": holder_party["party_id"],
        "public_name": holder_party["public_name"],
    }


def test_anchored_registration_becomes_an_asset_once(client: TestClient, runtime: Runtime) -> None:
    publisher = bearer(runtime, "publisher")
    number = register(client, runtime, b"to be tokenized", publisher)
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
    assert (report.json()["clear"], report.json()["revoked"]) == (True, False)
    before_the_suite = client.get(
        f"/v1/assets/{number}/encumbrances", params={"block": 0}, headers=lender
    )
    # Nothing stood at block 0 (404), or the node keeps no state that old (400): never a 500.
    assert (before_the_suite.status_code, before_the_suite.json()["code"]) in (
        (404, "asset_not_found"),
        (400, "invalid_input"),
    )
    assert report.json()["asset_id"] == body["asset_id"]
    assert report.json()["owner"] == OWNER  # whom a lender deals with
    by_id = client.get(f"/v1/assets/{body['asset_id']}/encumbrances", headers=lender)
    assert by_id.json()["liens"] == []
    past = client.get(
        f"/v1/assets/{number}/encumbrances",
        params={"block": body["block_number"]},
        headers=lender,
    )
    assert past.status_code == 200
    assert past.json()["block"] == str(body["block_number"])
    assert past.json()["owner"] == OWNER


def test_a_moral_right_is_never_tokenized(client: TestClient, runtime: Runtime) -> None:
    publisher = bearer(runtime, "publisher")
    number = register(client, runtime, b"moral rights stay with the author", publisher)
    runtime.new_batcher().run_once()
    url = f"/v1/works/{number}/tokenize"
    for moral in ("publication", "authorship", "alteration", "integrity"):
        refused = client.post(
            url, json={"owner": OWNER, "rights": ["reproduction", moral]}, headers=publisher
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "moral_rights_not_transferable"
        assert refused.json()["details"]["moral_rights"] == [moral]
    not_claimed = client.post(url, json={"owner": OWNER, "rights": ["rental"]}, headers=publisher)
    assert not_claimed.status_code == 400
    assert not_claimed.json()["details"]["not_claimed"] == ["rental"]
    minted = client.post(url, json={"owner": OWNER, "rights": ["distribution"]}, headers=publisher)
    assert minted.status_code == 201, minted.text
    assert minted.json()["rights"] == 1 << Right.DISTRIBUTION


def test_asset_endpoints_need_their_scopes_and_valid_input(
    client: TestClient, runtime: Runtime
) -> None:
    publisher = bearer(runtime, "publisher")
    number = register(client, runtime, b"scoped", publisher)
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
        headers=publisher,
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
    publisher = bearer(runtime, "publisher")
    number = register(client, runtime, b"licensed work", publisher)
    runtime.new_batcher().run_once()
    minted = client.post(
        f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=publisher
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
            start=int(block["timestamp"]) + 60,  # no licence starts before its grant
            end=int(block["timestamp"]) + 86400,
        ),
    )
    standing = client.get(f"/v1/assets/{number}").json()  # public: the chain is
    assert standing["registration"] == number
    assert standing["rights"] == ["reproduction", "distribution"]  # in the order of art. 10
    assert [
        (entry["licensee"], entry["rights"], entry["territory"], entry["state"])
        for entry in standing["licences"]
    ] == [(LICENSEE, ["reproduction"], 156, "not_started")]
    platform = bearer(runtime, "platform")
    asked: dict[str, str | int] = {
        "licensee": LICENSEE,
        "territory": 156,
        "at": int(block["timestamp"]) + 60,
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
    publisher = bearer(runtime, "publisher")
    number = client.post(
        "/v1/works",
        files={"file": ("private.txt", secret_text)},
        data={"metadata": json.dumps({"title": "私有作品"})},
        headers=publisher,
    ).json()["number"]
    runtime.new_batcher().run_once()
    minted = client.post(
        f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=publisher
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
            start=int(block["timestamp"]) + 60,  # no licence starts before its grant
            end=int(block["timestamp"]) + 86400,
        ),
    )
    assert ask("information_network").status_code == 403  # not yet: the licence starts later
    runtime.now = lambda: datetime.fromtimestamp(int(block["timestamp"]) + 60, UTC)
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


# ---------------------------------------------------------------- controller-bound registrations


def register_bound(
    client: TestClient, runtime: Runtime, controller: LocalAccount, publisher: dict[str, str]
) -> dict[str, object]:
    """A work whose claim the registrant signed with ``controller``'s own secp256k1 key."""
    content = f"bound work of {controller.address}".encode()
    metadata = {"title": "约束", "rights": ["reproduction"]}
    signer = KeySigner(Secp256k1PrivateKey.from_bytes(bytes(controller.key)))
    claim = claim_for(
        describe(io.BytesIO(content)),
        WorkMetadata.from_mapping(metadata),
        signer.public_key,
        registered_at=datetime.now(UTC),
    )
    response = client.post(
        "/v1/works",
        files={"file": ("w.txt", content)},
        data={
            "metadata": json.dumps(metadata),
            "claim": json.dumps(claim.to_json()),
            "signature": claim.sign(signer).to_text(),
        },
        headers=publisher,
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    assert body["controller"] == controller.address
    runtime.new_batcher().run_once()
    return body


def authorization(
    client: TestClient,
    publisher: dict[str, str],
    number: str,
    signer: LocalAccount,
    **query: str | int,
) -> dict[str, object]:
    asked = client.get(f"/v1/works/{number}/mint-authorization", params=query, headers=publisher)
    assert asked.status_code == 200, asked.text
    request = asked.json()
    signature = sign_mint_authorization(signer, request["typed_data"])
    return {"signature": "0x" + signature.hex(), "deadline": request["deadline"]}


def test_a_bound_registration_is_minted_only_with_its_controllers_authorization(
    client: TestClient, runtime: Runtime
) -> None:
    publisher = bearer(runtime, "publisher")
    controller, intruder = Account.create(), Account.create()
    number = str(register_bound(client, runtime, controller, publisher)["number"])
    url = f"/v1/works/{number}/tokenize"
    lender = bearer(runtime, "lender")

    def nothing_minted() -> None:
        report = client.get(f"/v1/assets/{number}/encumbrances", headers=lender)
        assert report.json()["code"] == "asset_not_found"

    missing = client.post(url, json={"owner": OWNER}, headers=publisher)
    assert (missing.status_code, missing.json()["code"]) == (403, "mint_authorization_required")
    assert missing.json()["details"]["controller"] == controller.address
    nothing_minted()

    forged = authorization(client, publisher, number, intruder, owner=OWNER)
    refused = client.post(url, json={"owner": OWNER, "authorization": forged}, headers=publisher)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_mint_authorization")
    nothing_minted()

    signed = authorization(client, publisher, number, controller, owner=OWNER)
    for tampered in (
        {"owner": OWNER, "territory": 156},
        {"owner": intruder.address},
        {"owner": OWNER, "term_end": 4_000_000_000},
    ):
        refused = client.post(url, json={**tampered, "authorization": signed}, headers=publisher)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "invalid_mint_authorization"
    nothing_minted()
    moral = client.get(
        f"/v1/works/{number}/mint-authorization",
        params={"owner": OWNER, "rights": ["authorship"]},
        headers=publisher,
    )
    assert (moral.status_code, moral.json()["code"]) == (422, "moral_rights_not_transferable")
    garbled = {**signed, "signature": "not hex"}
    refused = client.post(url, json={"owner": OWNER, "authorization": garbled}, headers=publisher)
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_input")

    expired = client.get(
        f"/v1/works/{number}/mint-authorization",
        params={"owner": OWNER, "deadline": 1},
        headers=publisher,
    )
    assert (expired.status_code, expired.json()["code"]) == (422, "mint_authorization_expired")
    stale = {**signed, "deadline": 1}
    refused = client.post(url, json={"owner": OWNER, "authorization": stale}, headers=publisher)
    assert (refused.status_code, refused.json()["code"]) == (422, "mint_authorization_expired")
    nothing_minted()

    minted = client.post(url, json={"owner": OWNER, "authorization": signed}, headers=publisher)
    assert minted.status_code == 201, minted.text
    assert minted.json()["controller"] == controller.address
    assert minted.json()["owner"] == OWNER


def test_custodial_registration_has_no_mint_authorization(
    client: TestClient, runtime: Runtime
) -> None:
    publisher = bearer(runtime, "publisher")
    number = register(client, runtime, b"custodial work", publisher)
    runtime.new_batcher().run_once()
    asked = client.get(
        f"/v1/works/{number}/mint-authorization", params={"owner": OWNER}, headers=publisher
    )
    assert (asked.status_code, asked.json()["code"]) == (400, "invalid_input")
    minted = client.post(f"/v1/works/{number}/tokenize", json={"owner": OWNER}, headers=publisher)
    assert minted.status_code == 201, minted.text
    assert minted.json()["controller"] is None
