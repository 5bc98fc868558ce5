"""Health: each part asked for real — the database, the chain node, the content store — and the
anchoring backlog from the registrations table."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chain_client.connection import connect
from registry.content.kubo import KuboContentStore
from registry.content.store import LocalBlockstore
from registry.core.metadata import WorkMetadata
from registry.platform.health import check_health
from registry.platform.runtime import Runtime
from registry.registration.registrar import Registrar
from tests.conftest import free_port, serve_asgi
from tests.registry.content.kubo_fake import FakeKubo


def test_a_working_instance_is_healthy_with_no_backlog(runtime: Runtime) -> None:
    health = check_health(runtime.sessions, runtime.w3, runtime.store, runtime.now)
    assert (health.database, health.chain, health.content_store) == (True, True, True)
    assert (health.pending_registrations, health.batch_lag_seconds) == (0, 0.0)
    assert health.serving


def test_the_backlog_is_counted_and_aged(runtime: Runtime) -> None:
    # Both moments come from clocks the test holds: no wall time passes between them.
    registered_at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    Registrar(runtime.sessions, runtime.store, max_bytes=1024, now=lambda: registered_at).register(
        io.BytesIO(b"waiting to be anchored"), WorkMetadata.from_mapping({"title": "等待"})
    )
    later = registered_at + timedelta(seconds=90)
    health = check_health(runtime.sessions, runtime.w3, runtime.store, lambda: later)
    assert health.pending_registrations == 1
    assert health.batch_lag_seconds == 90


def test_an_unusable_blockstore_directory_is_reported(runtime: Runtime, tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = LocalBlockstore(root)
    assert store.is_available()
    shutil.rmtree(root)
    root.write_bytes(b"a file where the directory should be")
    health = check_health(runtime.sessions, runtime.w3, store, runtime.now)
    assert not health.content_store
    assert not health.serving


def test_kubo_is_asked_for_its_version(runtime: Runtime) -> None:
    kubo = FakeKubo()
    with serve_asgi(kubo.app()) as url:
        store = KuboContentStore.connect(url)
        assert check_health(runtime.sessions, runtime.w3, store, runtime.now).content_store
        assert kubo.calls[-1][0] == "version"
        store.close()
    dead = KuboContentStore.connect(f"http://127.0.0.1:{free_port()}")
    assert not dead.is_available()
    dead.close()


def test_an_unreachable_chain_does_not_stop_serving(runtime: Runtime) -> None:
    offline = connect(f"http://127.0.0.1:{free_port()}")
    health = check_health(runtime.sessions, offline, runtime.store, runtime.now)
    assert not health.chain
    assert health.serving
