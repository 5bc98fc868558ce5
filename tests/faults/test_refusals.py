"""Fast checks of how infrastructure failures are answered (the rounds show them under load):
a database that cannot be reached answers 503 ``database_unavailable`` (not a 500 from the
audit log), and a content store that cannot be written refuses the upload with nothing kept.
(registry.core.errors.DatabaseUnavailable, InsufficientStorage; api/errors.py.)"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.errors import storage_failure
from registry.core.errors import ContentStoreUnavailable, InsufficientStorage
from registry.core.models import Registration, Work
from registry.platform.runtime import Runtime, build_runtime
from tests.conftest import bearer, free_port, make_settings
from tests.faults.harness import can_mount, mount, umount


def test_a_database_that_cannot_be_reached_answers_503_database_unavailable(
    tmp_path: Path,
) -> None:
    dead = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/postgres"
    runtime = build_runtime(make_settings(tmp_path, dead, "http://127.0.0.1:9"))
    try:
        client = TestClient(create_app(runtime=runtime))
        response = client.post(
            "/v1/works",
            files={"file": ("a.txt", b"content")},
            data={"metadata": '{"title": "a"}'},
            headers={"Authorization": "Bearer bq_someid_somesecret"},
        )
        assert response.status_code == 503
        assert response.json()["code"] == "database_unavailable"
        assert client.get("/v1/works/BQ-2026-00000001").json()["code"] == "database_unavailable"
    finally:
        runtime.close()


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), InsufficientStorage),
        (OSError(errno.EROFS, "Read-only file system"), ContentStoreUnavailable),
        (OSError(errno.EIO, "Input/output error"), ContentStoreUnavailable),
        (FileNotFoundError(errno.ENOENT, "No such file"), type(None)),
    ],
)
def test_a_failed_content_write_is_a_service_error(error: OSError, expected: type) -> None:
    assert isinstance(storage_failure(error), expected)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_read_only_blockstore_refuses_with_503_and_records_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    why_not = can_mount(tmp_path)
    if why_not is not None:
        pytest.skip(f"a read-only bind mount needs mount: {why_not}")
    content_dir = runtime.settings.content_dir
    content_dir.mkdir(parents=True, exist_ok=True)
    mount("--bind", str(content_dir), str(content_dir))
    try:
        mount("-o", "remount,ro,bind", str(content_dir))
        client = TestClient(create_app(runtime=runtime))
        response = client.post(
            "/v1/works",
            files={"file": ("a.txt", b"a work")},
            data={"metadata": '{"title": "refused"}'},
            headers=bearer(runtime, "publisher"),
        )
    finally:
        umount(content_dir)
    assert response.status_code == 503
    assert response.json()["code"] == "content_store_unavailable"
    with runtime.sessions() as session:
        assert session.scalar(select(func.count(Work.id))) == 0
        assert session.scalar(select(func.count(Registration.id))) == 0
    assert not (content_dir / "pins").exists() or not any((content_dir / "pins").iterdir())
