"""Granting and revoking the lender role over HTTP (admin keys only), on a real suite on Anvil."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.app import create_app
from chain_client.roles import LENDER_ROLE
from registry.access import audit_log
from registry.platform.runtime import Runtime
from tests.conftest import bearer


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def on_chain(runtime: Runtime, address: str) -> bool:
    return runtime.suite().pledges.has_role(LENDER_ROLE, address)


@pytest.mark.parametrize("scope", ["publisher", "lender", "platform", "moderator", "regulator"])
def test_only_an_admin_key_grants_or_revokes(
    client: TestClient, runtime: Runtime, scope: str
) -> None:
    lender = Account.create().address
    registrar = runtime.sender.account.address
    runtime.suite()  # deployed before counting the registrar's transactions
    nonce = runtime.w3.eth.get_transaction_count(registrar)
    headers = bearer(runtime, scope)
    granted = client.post("/v1/admin/lenders", json={"address": lender}, headers=headers)
    assert granted.status_code == 403
    assert granted.json()["code"] == "missing_scope"
    assert not on_chain(runtime, lender)
    assert runtime.w3.eth.get_transaction_count(registrar) == nonce  # nothing was sent

    runtime.suite().pledges.grant_role(LENDER_ROLE, lender)
    nonce = runtime.w3.eth.get_transaction_count(registrar)
    revoked = client.delete(f"/v1/admin/lenders/{lender}", headers=headers)
    assert revoked.status_code == 403
    assert revoked.json()["code"] == "missing_scope"
    assert on_chain(runtime, lender)
    assert runtime.w3.eth.get_transaction_count(registrar) == nonce  # nothing was sent
    assert client.post("/v1/admin/lenders", json={"address": lender}).status_code == 401


def test_admin_grants_and_revokes_the_lender_role(client: TestClient, runtime: Runtime) -> None:
    lender = Account.create().address
    admin = bearer(runtime, "admin")
    granted = client.post("/v1/admin/lenders", json={"address": lender.lower()}, headers=admin)
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["address"] == lender
    assert (body["lender"], body["changed"]) == (True, True)
    receipt = runtime.w3.eth.get_transaction_receipt(body["tx_hash"])
    assert receipt["status"] == 1
    assert receipt["blockNumber"] == body["block_number"]
    assert on_chain(runtime, lender)
    shown = client.get(f"/v1/admin/lenders/{lender}", headers=bearer(runtime, "regulator"))
    assert shown.json()["lender"] is True

    again = client.post("/v1/admin/lenders", json={"address": lender}, headers=admin).json()
    assert (again["lender"], again["changed"], again["tx_hash"]) == (True, False, None)

    revoked = client.delete(f"/v1/admin/lenders/{lender}", headers=admin)
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["lender"], revoked.json()["changed"]) == (False, True)
    assert not on_chain(runtime, lender)
    assert client.get(f"/v1/admin/lenders/{lender}", headers=admin).json()["lender"] is False

    written = [(e.method, e.path, e.status) for e in audit_log(runtime.sessions, limit=10)]
    assert ("POST", "/v1/admin/lenders", 200) in written
    assert ("DELETE", f"/v1/admin/lenders/{lender}", 200) in written


def test_an_address_that_is_none_is_refused(client: TestClient, runtime: Runtime) -> None:
    admin = bearer(runtime, "admin")
    for bad in ("0x1234", "0x" + "00" * 20, "bank"):
        answer = client.post("/v1/admin/lenders", json={"address": bad}, headers=admin)
        assert answer.status_code == 400, answer.text
        assert answer.json()["code"] == "invalid_address"
