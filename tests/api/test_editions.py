"""Editions over HTTP on a real suite on Anvil and both databases: publishers and holders sign
with eth_account (prepare, sign, submit), platforms ask who holds which copy; every refusal is a
coded 4xx that changed nothing (no edition, copy or gift recorded, the signer's nonce unused)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from httpx2 import Response
from pypdf import PdfReader

from api.app import create_app
from chain_client.licences import LicenceTerms
from chain_client.registry_anchor import REGULATOR_ROLE as ANCHOR_REGULATOR_ROLE
from chain_client.transactions import TransactionSender
from registry.core.models import Edition, EditionCopy, EditionGift
from registry.platform.runtime import Runtime
from tests.chain_client.conftest import ROLE_KEYS
from tests.conftest import bearer
from tests.registry.editions.test_service import COVER, OTHER_COVER, _count, _reader, _work

OWNER = Account.from_key(ROLE_KEYS["owner"])
STRANGER = Account.from_key(ROLE_KEYS["buyer"])
YEAR = 365 * 24 * 3600


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def _nonce(runtime: Runtime, account: LocalAccount) -> int:
    return int(runtime.w3.eth.get_transaction_count(account.address))


def _write(
    client: TestClient,
    runtime: Runtime,
    path: str,
    body: dict[str, Any],
    signer: LocalAccount,
    scope: str = "publisher",
) -> Response:
    """Prepare, sign, submit; a refused preparation is answered as it came."""
    headers = bearer(runtime, scope)
    prepared = client.post(
        f"{path}/prepare", json={**body, "from": signer.address}, headers=headers
    )
    if prepared.status_code != 200:
        return prepared
    transaction = prepared.json()["transaction"]
    assert transaction["from"] == signer.address
    raw = bytes(signer.sign_transaction(transaction).raw_transaction)
    return client.post(
        path,
        json={**body, "from": signer.address, "raw_transaction": "0x" + raw.hex()},
        headers=headers,
    )


def _edition_body(number: str, **terms: Any) -> dict[str, Any]:
    return {
        "registration": number,
        "title": "三体 数字藏书版",
        "metadata_cid": COVER,
        "price_cny": "19.90",
        "terms": {
            "size": 3,
            "territory": 156,
            "lock_after_issue": 0,
            "lock_after_gift": 2 * YEAR,
            "daily_gift_limit": 1,
            **terms,
        },
    }


def test_another_account_cannot_create_an_edition_of_the_work(
    client: TestClient, runtime: Runtime
) -> None:
    number = _work(runtime)
    before = _nonce(runtime, STRANGER)
    refused = _write(client, runtime, "/v1/editions", _edition_body(number), STRANGER)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "not_edition_publisher"
    assert _count(runtime, Edition) == 0
    assert _nonce(runtime, STRANGER) == before


def test_a_transaction_signed_for_another_chain_or_none_is_not_relayed(
    client: TestClient, runtime: Runtime
) -> None:
    number = _work(runtime)
    headers = bearer(runtime, "publisher")
    body = {**_edition_body(number), "from": OWNER.address}
    prepared = client.post("/v1/editions/prepare", json=body, headers=headers)
    assert prepared.status_code == 200, prepared.text
    transaction = prepared.json()["transaction"]
    before = _nonce(runtime, OWNER)
    for chain_id in (transaction["chainId"] + 1, None):  # another chain; pre-EIP-155
        other = {key: value for key, value in transaction.items() if key != "chainId"}
        if chain_id is not None:
            other["chainId"] = chain_id
        else:  # a legacy transaction signed with no chain id at all
            other["gasPrice"] = other.pop("maxFeePerGas")
            del other["maxPriorityFeePerGas"]
        raw = bytes(OWNER.sign_transaction(other).raw_transaction)
        refused = client.post(
            "/v1/editions", json={**body, "raw_transaction": "0x" + raw.hex()}, headers=headers
        )
        assert (refused.status_code, refused.json()["code"]) == (400, "invalid_transaction")
        assert refused.json()["details"]["reason"] == "chain_id"
    assert _count(runtime, Edition) == 0
    assert _nonce(runtime, OWNER) == before


def test_the_owner_cannot_publish_where_another_holds_the_exclusive_network_licence(
    client: TestClient, runtime: Runtime
) -> None:
    number = _work(runtime)
    asset_id = int(client.get(f"/v1/assets/{number}").json()["asset_id"], 16)
    now = int(runtime.w3.eth.get_block("latest")["timestamp"])
    owner = runtime.suite().as_sender(TransactionSender(runtime.w3, OWNER, poll_latency=0.01))
    licence = owner.licences.grant(
        LicenceTerms(
            asset_id=asset_id, licensee=STRANGER.address, rights=1 << 11, territory=156,
            start=now + 1, end=now + YEAR, exclusive=True, revocable=True,
        )
    )  # fmt: skip
    runtime.w3.provider.make_request("evm_increaseTime", [5])  # type: ignore[arg-type]
    runtime.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    before = _nonce(runtime, OWNER)
    refused = _write(client, runtime, "/v1/editions", _edition_body(number), OWNER)
    assert (refused.status_code, refused.json()["code"]) == (409, "exclusively_licensed")
    assert refused.json()["details"]["arguments"] == [
        str(asset_id),
        str(licence.licence_id),
        STRANGER.address.lower(),
    ]
    assert _count(runtime, Edition) == 0
    assert _nonce(runtime, OWNER) == before
    # The exclusive licensee publishes there.
    created = _write(client, runtime, "/v1/editions", _edition_body(number), STRANGER)
    assert created.status_code == 201, created.text
    assert created.json()["publisher"] == STRANGER.address


def test_publish_issue_hold_gift_and_refusals(client: TestClient, runtime: Runtime) -> None:
    number = _work(runtime)
    alice, bob = _reader(runtime), _reader(runtime)
    unverified = _reader(runtime, attest=False)
    created = _write(client, runtime, "/v1/editions", _edition_body(number), OWNER)
    assert created.status_code == 201, created.text
    edition = created.json()
    assert (edition["size"], edition["issued"], edition["price_cny"]) == (3, 0, "¥19.90")
    edition_id = edition["edition_id"]
    base = f"/v1/editions/{edition_id}"

    # A second edition with the same cover breaks the first's terms.
    conflict = _write(client, runtime, "/v1/editions", _edition_body(number, size=5), OWNER)
    assert (conflict.status_code, conflict.json()["code"]) == (409, "edition_conflict")

    catalogue = [
        {"reader": alice.party, "copy_number": 1},
        {"reader": bob.address, "copy_number": 2},
        {"reader": alice.address, "copy_number": 3},
    ]
    for bad, status, code in (
        ([{"reader": unverified.party, "copy_number": 1}], 409, "reader_not_verified"),
        ([{"reader": alice.party, "copy_number": 2}], 400, "invalid_issue_catalogue"),
        ([*catalogue, {"reader": alice.party, "copy_number": 4}], 409, "issue_beyond_size"),
    ):  # fmt: skip
        refused = _write(client, runtime, f"{base}/issue", {"catalogue": bad}, OWNER)
        assert (refused.status_code, refused.json()["code"]) == (status, code), refused.text
        assert _count(runtime, EditionCopy) == 0
    issued = _write(client, runtime, f"{base}/issue", {"catalogue": catalogue}, OWNER)
    assert issued.status_code == 200, issued.text
    assert [(b["first_copy"], b["count"]) for b in issued.json()["batches"]] == [(1, 3)]

    platform = bearer(runtime, "platform")
    held = client.get(f"{base}/holders/{alice.party}", headers=platform).json()
    assert (held["holds"], held["copies"]) == (True, [1, 3])
    assert (
        client.get(f"{base}/holders/{unverified.address}", headers=platform).json()["copies"] == []
    )

    # Gifts: to an unverified party refused; to bob given; then locked up and over the limit.
    before = _nonce(runtime, alice.account)
    refused = _write(
        client,
        runtime,
        f"{base}/copies/1/gift",
        {"to": unverified.party},
        alice.account,
        "platform",
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "reader_not_verified")
    thief = _write(
        client, runtime, f"{base}/copies/1/gift", {"to": bob.party}, bob.account, "platform"
    )
    assert (thief.status_code, thief.json()["code"]) == (403, "not_copy_holder")
    assert _nonce(runtime, alice.account) == before
    gift = _write(
        client, runtime, f"{base}/copies/1/gift", {"to": bob.party}, alice.account, "platform"
    )
    assert gift.status_code == 200, gift.text
    assert gift.json()["to_address"] == bob.address
    held = client.get(f"{base}/holders/{bob.party}", headers=platform).json()
    assert held["copies"] == [1, 2]
    locked = _write(
        client, runtime, f"{base}/copies/1/gift", {"to": alice.party}, bob.account, "platform"
    )
    assert (locked.status_code, locked.json()["code"]) == (409, "copy_locked_up")
    assert _count(runtime, EditionGift) == 1

    page = client.get(f"{base}/copies/1").json()
    assert page["label"] == "第 1 份，共 3 份 copy 1 of 3"
    assert page["holder"] == bob.address
    assert [g["from_address"] for g in page["gifts"]] == [alice.address]
    html = client.get(f"/editions/{edition_id}/copies/1")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "script-src" not in html.headers["content-security-policy"]
    assert "default-src 'none'" in html.headers["content-security-policy"]
    for text in (
        "第 1 份，共 3 份",
        "copy 1 of 3",
        "读者（已实名 verified）",
        "仅可转赠，不可买卖",
    ):
        assert text in html.text, text
    assert html.text.count("<tr><td>") == 1  # one gift
    assert client.get(f"/editions/{edition_id}/copies/4").status_code == 404

    # Alice gave a copy today: her second gift waits for tomorrow (UTC).
    over = _write(
        client, runtime, f"{base}/copies/3/gift", {"to": bob.party}, alice.account, "platform"
    )
    assert (over.status_code, over.json()["code"]) == (409, "daily_gift_limit_reached")
    assert _count(runtime, EditionGift) == 1

    certificate = client.get(f"{base}/copies/1/certificate")
    assert certificate.status_code == 200, certificate.text
    assert certificate.headers["content-type"] == "application/pdf"
    text = str(PdfReader(io.BytesIO(certificate.content)).pages[0].extract_text())
    assert "第 1 份，共 3 份" in text
    assert "读者（已实名 verified）" in text
    printable = client.get(f"/editions/{edition_id}/copies/1/certificate.pdf")
    assert printable.status_code == 200
    assert printable.content.startswith(b"%PDF")
    assert 'href="1/certificate.pdf"' in html.text

    runtime.moderation.take_down(
        number, reason="侵权 infringing", actor="test", authority="moderator"
    )
    for path in (
        f"{base}/copies/1/certificate",
        f"/editions/{edition_id}/copies/1/certificate.pdf",
    ):
        withdrawn = client.get(path)
        assert (withdrawn.status_code, withdrawn.json()["code"]) == (451, "edition_taken_down")
    frozen = _write(
        client, runtime, f"{base}/copies/2/gift", {"to": alice.party}, bob.account, "platform"
    )
    assert (frozen.status_code, frozen.json()["code"]) == (451, "edition_taken_down")
    assert client.get(base).json()["frozen"] is True
    assert "该作品已下架" in client.get(f"/editions/{edition_id}/copies/1").text
    assert _count(runtime, EditionGift) == 1

    # A revocation is told as such, and for good: no "until it is restored".
    runtime.moderation.restore(number, reason="复核", actor="test", authority="moderator")
    runtime.suite().registry_anchor.grant_role(ANCHOR_REGULATOR_ROLE, runtime.sender.address)
    runtime.moderation.revoke_registration(
        number, reason="伪造材料", actor="test", authority="regulator"
    )
    shown = client.get(base).json()
    assert (shown["frozen"], shown["revoked"]) == (True, True)
    page = client.get(f"/editions/{edition_id}/copies/1").text
    assert "该作品的登记已被监管机构撤销" in page
    assert "该作品已下架" not in page
    withdrawn = client.get(f"{base}/copies/1/certificate")
    assert withdrawn.status_code == 451
    assert "撤销" in withdrawn.json()["message"]
    assert "restored" not in withdrawn.json()["message"]


def test_unknown_edition_and_copy(client: TestClient, runtime: Runtime) -> None:
    _work(runtime)
    missing = client.get("/v1/editions/999")
    assert (missing.status_code, missing.json()["code"]) == (404, "edition_not_found")


def test_allow_list_and_claims(client: TestClient, runtime: Runtime) -> None:
    number = _work(runtime)
    alice, bob = _reader(runtime), _reader(runtime)
    edition_id = _write(client, runtime, "/v1/editions", _edition_body(number), OWNER).json()[
        "edition_id"
    ]
    base = f"/v1/editions/{edition_id}"
    catalogue = [
        {"reader": alice.party, "copy_number": 1},
        {"reader": bob.party, "copy_number": 2},
    ]
    posted = _write(client, runtime, f"{base}/allow-list", {"catalogue": catalogue}, OWNER)
    assert posted.status_code == 200, posted.text
    assert [(b["first_copy"], b["count"]) for b in posted.json()["batches"]] == [(1, 2)]
    before = _nonce(runtime, bob.account)
    stolen = _write(client, runtime, f"{base}/copies/1/claim", {}, bob.account, "platform")
    assert (stolen.status_code, stolen.json()["code"]) == (403, "not_copy_holder")
    assert _nonce(runtime, bob.account) == before
    claimed = _write(client, runtime, f"{base}/copies/1/claim", {}, alice.account, "platform")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["holder"] == alice.address
    platform = bearer(runtime, "platform")
    assert client.get(f"{base}/holders/{alice.party}", headers=platform).json()["copies"] == [1]
    assert client.get(f"{base}/holders/{bob.party}", headers=platform).json()["copies"] == []


def test_terms_are_fixed_once_a_copy_is_issued(client: TestClient, runtime: Runtime) -> None:
    number = _work(runtime)
    alice = _reader(runtime)
    edition_id = _write(client, runtime, "/v1/editions", _edition_body(number), OWNER).json()[
        "edition_id"
    ]
    base = f"/v1/editions/{edition_id}"
    amended_terms = {
        "metadata_cid": OTHER_COVER,
        "price_cny": "29.90",
        "terms": {**_edition_body(number)["terms"], "size": 5, "lock_after_gift": YEAR},
    }

    # Another account cannot amend the publisher's edition.
    before = _nonce(runtime, STRANGER)
    refused = _write(client, runtime, f"{base}/terms", amended_terms, STRANGER)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_edition_publisher")
    assert _nonce(runtime, STRANGER) == before
    assert client.get(base).json()["size"] == 3

    # Before the first copy the publisher may amend them.
    amended = _write(client, runtime, f"{base}/terms", amended_terms, OWNER)
    assert amended.status_code == 200, amended.text
    shown = amended.json()
    assert (shown["size"], shown["lock_after_gift"], shown["price_cny"]) == (5, YEAR, "¥29.90")
    assert shown["metadata_cid"] == OTHER_COVER
    on_chain = runtime.suite().editions.edition_of(edition_id)  # type: ignore[union-attr]
    assert (on_chain.size, on_chain.lock_after_gift) == (5, YEAR)

    # A second edition claiming to be the work's only one breaks this one's terms.
    sole = _write(
        client, runtime, "/v1/editions",
        {**_edition_body(number, sole=True), "metadata_cid": COVER}, OWNER,
    )  # fmt: skip
    assert (sole.status_code, sole.json()["code"]) == (409, "edition_conflict")
    assert _count(runtime, Edition) == 1

    issued = _write(
        client, runtime, f"{base}/issue",
        {"catalogue": [{"reader": alice.party, "copy_number": 1}]}, OWNER,
    )  # fmt: skip
    assert issued.status_code == 200, issued.text

    # Once a copy is issued what its readers were shown stands.
    before = _nonce(runtime, OWNER)
    locked = _write(client, runtime, f"{base}/terms", {**amended_terms, "price_cny": "9.90"}, OWNER)
    assert (locked.status_code, locked.json()["code"]) == (409, "edition_terms_locked")
    assert _nonce(runtime, OWNER) == before
    assert client.get(base).json()["price_cny"] == "¥29.90"
    assert runtime.suite().editions.edition_of(edition_id).size == 5  # type: ignore[union-attr]

    # Nothing is issued while the work is taken down.
    runtime.moderation.take_down(
        number, reason="侵权 infringing", actor="test", authority="moderator"
    )
    frozen = _write(
        client, runtime, f"{base}/issue",
        {"catalogue": [{"reader": alice.party, "copy_number": 2}]}, OWNER,
    )  # fmt: skip
    assert (frozen.status_code, frozen.json()["code"]) == (451, "edition_taken_down")
    assert _count(runtime, EditionCopy) == 1
