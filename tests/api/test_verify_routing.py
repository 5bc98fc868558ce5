"""The verification routes come first in the app (they are the busiest, and every route before
them is tried on each request): that order may change no answer, so no other route may match a
verification path."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from registry.core.metadata import WorkMetadata
from registry.core.settings import Settings
from registry.platform.runtime import Runtime

VERIFY_PATHS = ("/v1/verify", "/v1/verify/bulk", "/v1/verify/file")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    data: Path = tmp_path_factory.mktemp("verify-routing")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'banquan.db'}")
    return create_app(settings, run_batcher=False)


def _pattern(path: str) -> re.Pattern[str]:
    """A route path as a regular expression: each ``{parameter}`` one segment (``{x:path}``
    any rest)."""
    pattern = re.sub(r"\{[^}:]+:path\}", ".*", path)
    return re.compile(re.sub(r"\{[^}]+\}", "[^/]+", pattern))


def test_no_other_documented_route_matches_a_verification_path(app: FastAPI) -> None:
    paths = list(app.openapi()["paths"])
    assert set(VERIFY_PATHS) <= set(paths)
    others = [path for path in paths if path not in VERIFY_PATHS]
    assert len(others) > 50  # the whole API is there
    for path in others:
        for verify_path in VERIFY_PATHS:
            assert not _pattern(path).fullmatch(verify_path), (path, verify_path)


def test_no_undocumented_route_matches_a_verification_path(app: FastAPI) -> None:
    # Pages, static files and the schema itself are outside the OpenAPI paths.
    pages = [path for route in app.routes if isinstance(path := getattr(route, "path", None), str)]
    assert "/openapi.json" in pages
    for path in pages:
        for verify_path in VERIFY_PATHS:
            assert path == verify_path or not _pattern(path).fullmatch(verify_path)


def test_verification_answers_as_before_with_its_routes_first(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        unknown = client.get("/v1/verify", params={"sha256": "ab" * 32})
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "digest_not_registered"
        assert client.get("/v1/verify", params={"sha256": "xyz"}).status_code == 400
        assert client.put("/v1/verify").status_code == 405
        bulk = client.post("/v1/verify/bulk", json={"digests": ["ab" * 32]})
        assert bulk.status_code == 200
        assert bulk.json()["registered"] == 0
        assert client.get("/health").status_code == 200


def test_lookups_run_on_the_event_loop_only_where_they_cannot_wait(runtime: Runtime) -> None:
    # On SQLite the route looks up on the event loop (no thread hop): it may, because a read in
    # WAL mode never waits for a writer. Hold the write lock and ask. PostgreSQL lookups wait
    # for their round trip: awaited on the loop by SHA-256 (below), in a thread otherwise.
    if runtime.engine.dialect.name != "sqlite":
        assert not runtime.proofs.local_lookups
        assert runtime.proofs.loop_lookups is not None
        return
    assert runtime.proofs.local_lookups
    assert runtime.proofs.loop_lookups is None
    app = create_app(runtime=runtime, run_batcher=False)
    with TestClient(app) as client, runtime.engine.connect() as writer:
        writer.exec_driver_sql("BEGIN IMMEDIATE")
        writer.exec_driver_sql("DELETE FROM registrations")
        started = time.monotonic()
        answer = client.get("/v1/verify", params={"sha256": "cd" * 32})
        waited = time.monotonic() - started
        writer.exec_driver_sql("ROLLBACK")
    assert answer.json()["code"] == "digest_not_registered"
    assert waited < 5  # the busy timeout is 30 s: a read that waited would take that long


def test_on_postgresql_a_lookup_by_sha256_is_awaited_on_the_loop_with_the_same_answer(
    runtime: Runtime,
) -> None:
    if runtime.engine.dialect.name != "postgresql":
        assert runtime.loop_lookups is None  # a lookup in a local file runs on the loop as is
        return
    content = "在事件循环上查询 ".encode() * 64
    view = runtime.registrar.register(io.BytesIO(content), WorkMetadata(title="循环"))
    lookups = runtime.loop_lookups
    assert lookups is not None
    app = create_app(runtime=runtime, run_batcher=False)
    # Without the app's lifespan nothing opened the loop's connections: a thread looks up.
    in_a_thread = TestClient(app).get("/v1/verify", params={"sha256": view.sha256})
    assert lookups.connections_opened == 0
    with TestClient(app) as client:
        on_the_loop = client.get("/v1/verify", params={"sha256": view.sha256})
        unknown = client.get("/v1/verify", params={"sha256": "ef" * 32})
        by_sm3 = client.get("/v1/verify", params={"sm3": view.sm3})  # in a thread
        both = client.get("/v1/verify", params={"sha256": view.sha256, "sm3": view.sm3})
    assert lookups.connections_opened == 1
    assert on_the_loop.status_code == in_a_thread.status_code == 200
    assert on_the_loop.content == in_a_thread.content
    assert on_the_loop.json()["registrations"][0]["number"] == view.number
    assert by_sm3.json() == on_the_loop.json()
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "digest_not_registered"
    assert both.status_code == 400
