"""Tokenizing registrations and reading encumbrances over HTTP, on a real suite on Anvil."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.app import create_app
from chain_client.licences import LicenceTerms
from chain_client.transactions import TransactionSender
from registry.assets import grant_licence
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
