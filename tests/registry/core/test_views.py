"""The verification answer read from columns (``REGISTRATION_ROWS``, ``view_of_row``, the claims
computed from the same rows) is the answer read through the ORM, for registrations in every state:
pending, anchored, taken down, rejected, of a party or of none, one content claimed by several."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.app import create_app
from cli.launcher import AnvilProcess
from registry.access.keys import create_api_key
from registry.core.database import migrate
from registry.core.models import Registration
from registry.core.priority import with_priority
from registry.core.states import RegistrationStatus
from registry.core.views import (
    REGISTRATION_ROWS,
    RegistrationView,
    registration_view,
    registrations_for_views,
    view_of_row,
)
from registry.platform.runtime import Runtime, build_runtime
from registry.proofs.bulk_verification import verify_digests
from registry.proofs.verification import find_registrations
from tests.conftest import make_settings

BOOK = "第一章 天下大势，分久必合，合久必分。".encode() * 50
OTHER = "第二章 宴桃园豪杰三结义".encode() * 50


@pytest.fixture
def runtime(tmp_path: Path, database_url: str, anvil: AnvilProcess) -> Iterator[Runtime]:
    built = build_runtime(make_settings(tmp_path / "data", database_url, anvil.rpc_url))
    migrate(built.engine)
    yield built
    built.close()


def _register(client: TestClient, runtime: Runtime, name: str, content: bytes) -> str:
    issued = create_api_key(runtime.sessions, name=name, scopes=("publisher",), now=runtime.now)
    response = client.post(
        "/v1/works",
        files={"file": ("book.txt", content)},
        data={"metadata": json.dumps({"title": "三国演义"}), "publish": "true"},
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    assert response.status_code == 201, response.text
    number: str = response.json()["number"]
    return number


def _orm_views(runtime: Runtime) -> dict[str, RegistrationView]:
    with runtime.sessions() as session:
        registrations = session.scalars(registrations_for_views().order_by(Registration.id))
        views = with_priority(session, [registration_view(r) for r in registrations.unique()])
    return {view.number: view for view in views}


def test_the_column_lookup_answers_what_the_orm_answers(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        first = _register(client, runtime, "四川人民出版社", BOOK)
        assert runtime.new_batcher().run_once().error is None  # anchored
        later = _register(client, runtime, "Copycat Press", BOOK)  # a later claimant, pending
        rejected = _register(client, runtime, "Rejected Press", BOOK)
        other = _register(client, runtime, "四川人民出版社", OTHER)
    with runtime.sessions.begin() as session:
        session.execute(
            update(Registration)
            .where(Registration.number == rejected)
            .values(status=RegistrationStatus.REJECTED)
        )
        session.execute(
            update(Registration)
            .where(Registration.number == later)
            .values(takedown_json=json.dumps({"authority": "court", "reason": "测试"}))
        )
    expected = _orm_views(runtime)
    assert expected[first].anchor is not None
    assert expected[later].anchor is None
    priority = expected[later].priority
    assert priority is not None
    assert priority.first.number == first

    with runtime.sessions() as session:
        rows = list(session.connection().execute(REGISTRATION_ROWS))
    assert {row.number: view_of_row(row) for row in rows} == {
        number: dataclasses.replace(view, priority=None) for number, view in expected.items()
    }

    book = hashlib.sha256(BOOK).hexdigest()
    by_sha256 = find_registrations(runtime.sessions, sha256=book)
    assert by_sha256 == [expected[n] for n in (first, later, rejected)]
    assert find_registrations(runtime.sessions, sm3=hashlib.new("sm3", BOOK).hexdigest()) == (
        by_sha256
    )
    assert find_registrations(runtime.sessions, number=other) == [expected[other]]
    bulk = verify_digests(runtime.sessions, "sha256", [book, hashlib.sha256(OTHER).hexdigest()])
    assert [views for _digest, views in bulk.items] == [by_sha256, [expected[other]]]
