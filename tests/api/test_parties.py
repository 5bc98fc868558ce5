"""Parties through the API: only an admin creates them or links and revokes their keys."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from registry.core.models import Party, PartyKey
from registry.platform.runtime import Runtime
from tests.conftest import bearer

ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def counts(runtime: Runtime) -> tuple[int, int]:
    with runtime.sessions() as session:
        parties = session.scalar(select(func.count()).select_from(Party)) or 0
        keys = session.scalar(select(func.count()).select_from(PartyKey)) or 0
    return parties, keys


def test_only_an_admin_creates_parties_or_links_keys(runtime: Runtime) -> None:
    publisher = bearer(runtime, "publisher")
    admin = bearer(runtime, "admin")
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        created = client.post(
            "/v1/admin/parties", json={"public_name": "四川人民出版社"}, headers=admin
        ).json()
        before = counts(runtime)
        body = {"public_name": "冒名出版社", "keys": [ADDRESS]}
        refused = client.post("/v1/admin/parties", json=body, headers=publisher)
        assert refused.status_code == 403
        assert refused.json()["code"] == "missing_scope"
        path = f"/v1/admin/parties/{created['party_id']}"
        assert (
            client.post(f"{path}/keys", json={"key": ADDRESS}, headers=publisher).status_code == 403
        )
        assert client.post(f"{path}/revoke", headers=publisher).status_code == 403
        assert counts(runtime) == before


def test_a_party_with_its_keys_then_a_key_revoked(runtime: Runtime) -> None:
    admin = bearer(runtime, "admin")
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        created = client.post(
            "/v1/admin/parties",
            json={"public_name": "四川人民出版社", "kind": "organisation", "keys": [ADDRESS]},
            headers=admin,
        )
        assert created.status_code == 201, created.text
        party = created.json()
        assert party["addresses"] == [ADDRESS]
        public = client.get(f"/v1/parties/{party['party_id']}")  # no key needed
        assert public.status_code == 200
        assert public.json()["public_name"] == "四川人民出版社"

        other = client.post("/v1/admin/parties", json={"public_name": "乙"}, headers=admin).json()
        taken = client.post(
            f"/v1/admin/parties/{other['party_id']}/keys", json={"key": ADDRESS}, headers=admin
        )
        assert taken.status_code == 409
        assert taken.json()["code"] == "party_key_taken"

        fingerprint = party["keys"][0]["fingerprint"]
        revoked = client.delete(
            f"/v1/admin/parties/{party['party_id']}/keys/{fingerprint}", headers=admin
        )
        assert revoked.status_code == 200
        assert revoked.json()["addresses"] == []

        key = client.post(
            "/v1/admin/keys",
            json={"name": "社内系统", "scopes": ["publisher"], "party": party["party_id"]},
            headers=admin,
        )
        assert key.json()["party"] == party["party_id"]
        assert client.get("/v1/parties/party_0000000000000000").json()["code"] == "party_not_found"


def test_bad_keys_are_refused_with_a_code(runtime: Runtime) -> None:
    admin = bearer(runtime, "admin")
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        before = counts(runtime)
        for key in ["0x12", "sm2:04ff", "rsa:00"]:
            answer = client.post(
                "/v1/admin/parties", json={"public_name": "丙", "keys": [key]}, headers=admin
            )
            assert answer.status_code in (400, 422), answer.text
            assert answer.json()["code"] in ("invalid_input", "invalid_address")
        assert counts(runtime) == before


def test_a_party_is_given_the_lender_role_on_every_address(runtime: Runtime) -> None:
    from eth_account import Account

    from chain_client.roles import LENDER_ROLE

    bank = [Account.create().address for _ in range(2)]
    admin, publisher = bearer(runtime, "admin"), bearer(runtime, "publisher")
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        party = client.post(
            "/v1/admin/parties", json={"public_name": "某商业银行", "keys": bank}, headers=admin
        ).json()
        path = f"/v1/admin/parties/{party['party_id']}/lender"
        assert client.post(path, headers=publisher).status_code == 403
        assert not any(runtime.suite().pledges.has_role(LENDER_ROLE, a) for a in bank)

        granted = client.post(path, headers=admin)
        assert granted.status_code == 200, granted.text
        assert [role["address"] for role in granted.json()] == bank
        assert all(runtime.suite().pledges.has_role(LENDER_ROLE, a) for a in bank)

        revoked = client.delete(path, headers=admin)
        assert [role["lender"] for role in revoked.json()] == [False, False]
        assert not any(runtime.suite().pledges.has_role(LENDER_ROLE, a) for a in bank)

        empty = client.post("/v1/admin/parties", json={"public_name": "无地址"}, headers=admin)
        refused = client.post(f"/v1/admin/parties/{empty.json()['party_id']}/lender", headers=admin)
        assert refused.status_code == 409
        assert refused.json()["code"] == "party_has_no_address"
