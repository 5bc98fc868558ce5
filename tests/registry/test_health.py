"""Health: each part asked for real — the database, the chain node, the content store — and the
anchoring backlog from the registrations table."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from pathlib import Path

from chain_client.connection import connect
from registry.content_store import LocalBlockstore
from registry.health import check_health
from registry.kubo import KuboContentStore
from registry.metadata import WorkMetadata
from registry.registration import register_work
from registry.runtime import Runtime
from tests.conftest import free_port, serve_asgi
from tests.registry.kubo_fake import FakeKubo


def test_a_working_instance_is_healthy_with_no_backlog(runtime: Runtime) -> None:
    health = check_health(runtime.sessions, runtime.w3, runtime.store, runtime.now)
    assert (health.database, health.chain, health.content_store) == (True, True, True)
    assert (health.pending_registrations, health.batch_lag_seconds) == (0, 0.0)
    assert health.serving


def test_the_backlog_is_counted_and_aged(runtime: Runtime) -> None:
    register_work(
        runtime.sessions,
        runtime.store,
        io.BytesIO(b"waiting to be anchored"),
        WorkMetadata.from_mapping({"title": "等待"}),
        max_bytes=1024,
        now=runtime.now,
    )
    later = runtime.now() + timedelta(seconds=90)
    health = check_health(runtime.sessions, runtime.w3, runtime.store, lambda: later)
    assert health.pending_registrations == 1
    assert 89 <= health.batch_lag_seconds <= 91


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
