"""Tokenizing registrations and reading encumbrances over HTTP, on a real suite on Anvil."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
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
