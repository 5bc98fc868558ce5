"""Authentication, scopes and the audit log over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.auth import is_write
from registry.core.models import Registration
from registry.platform.runtime import Runtime
from tests.conftest import bearer

META = json.dumps({"title": "鉴权测试"})


@pytest.fixture
def anonymous(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        yield client


def registrations(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Registration)) or 0


def post_work(client: TestClient, headers: dict[str, str]) -> int:
    return client.post(
        "/v1/works", files={"file": ("a.txt", b"auth")}, data={"metadata": META}, headers=headers
    ).status_code


def test_registering_needs_a_publisher_key(anonymous: TestClient, runtime: Runtime) -> None:
    response = anonymous.post(
        "/v1/works", files={"file": ("a.txt", b"auth")}, data={"metadata": META}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    wrong = anonymous.post(
        "/v1/works",
        files={"file": ("a.txt", b"auth")},
        data={"metadata": META},
        headers=bearer(runtime, "platform"),
    )
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "missing_scope"
    assert registrations(runtime) == 0
    assert post_work(anonymous, bearer(runtime, "publisher")) == 201
    assert registrations(runtime) == 1


def test_lookups_are_public(anonymous: TestClient) -> None:
    assert anonymous.get("/v1/verify", params={"sha256": "00" * 32}).status_code == 404
    assert anonymous.post("/v1/verify/bulk", json={"digests": ["00" * 32]}).status_code == 200
    assert anonymous.get("/health").status_code == 200


def test_admin_issues_and_revokes_keys(anonymous: TestClient, runtime: Runtime) -> None:
    admin = bearer(runtime, "admin")
    assert (
        anonymous.post(
            "/v1/admin/keys",
            json={"name": "x", "scopes": ["publisher"]},
            headers=bearer(runtime, "publisher"),
        ).status_code
        == 403
    )
    created = anonymous.post(
        "/v1/admin/keys", json={"name": "某出版社", "scopes": ["publisher"]}, headers=admin
    )
    assert created.status_code == 201
    key = {"Authorization": f"Bearer {created.json()['key']}"}
    assert post_work(anonymous, key) == 201
    assert (
        anonymous.delete(f"/v1/admin/keys/{created.json()['key_id']}", headers=admin).status_code
        == 204
    )
    assert post_work(anonymous, key) == 401
    bad = anonymous.post("/v1/admin/keys", json={"name": "x", "scopes": ["root"]}, headers=admin)
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_input"


def test_every_write_is_in_the_audit_log(anonymous: TestClient, runtime: Runtime) -> None:
    post_work(anonymous, bearer(runtime, "publisher"))
    post_work(anonymous, {})
    log = anonymous.get("/v1/admin/audit", headers=bearer(runtime, "regulator")).json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/v1/works", 401),
        ("POST", "/v1/works", 201),
    ]
    assert log[1]["key_id"] is not None
    assert anonymous.get("/v1/admin/audit", headers=bearer(runtime, "publisher")).status_code == 403


def test_lookups_sent_as_post_are_not_writes() -> None:
    assert not is_write("POST", "/v1/verify/bulk")
    assert not is_write("POST", "/v1/similar")
    assert not is_write("POST", "/v1/assets/BQ-2026-00000001/transfer/prepare")
    assert not is_write("POST", "/v1/assets/BQ-2026-00000001/pledge-consent")
    assert not is_write("GET", "/v1/works")
    assert is_write("POST", "/v1/transactions")
    assert is_write("POST", "/v1/works/BQ-2026-00000001/publish")
    assert is_write("DELETE", "/v1/webhooks/1")
