"""Garbage collection of the embedded blockstore: what no pinned root reaches goes, the rest
stays readable, and ingests committing meanwhile lose nothing."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from multiformats import CID

from registry.content.garbage import STALE_STAGING_SECONDS, collect_garbage
from registry.content.store import LocalBlockstore, dag_blocks, read_content
from registry.content.unixfs import CHUNK_SIZE, cid_text
from registry.core.errors import ContentNotFound
from tests.registry.content.test_store import store_bytes


def blocks_of(store: LocalBlockstore, root: CID) -> set[str]:
    return {cid_text(cid) for cid, _ in dag_blocks(store, root)}


def on_disk(store: LocalBlockstore) -> set[str]:
    return {path.name for path in store.blocks.glob("*/*")}


def test_what_no_pinned_root_reaches_is_removed_and_pinned_content_stays(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    kept_bytes, dropped_bytes = os.urandom(3 * CHUNK_SIZE), os.urandom(2 * CHUNK_SIZE + 5)
    kept, dropped = store_bytes(store, kept_bytes), store_bytes(store, dropped_bytes)
    dropped_blocks = dict(dag_blocks(store, dropped))  # three leaves and their DAG node
    store.unpin(dropped)
    report = collect_garbage(store)
    assert len(dropped_blocks) == 4
    assert (report.pinned_roots, report.removed_blocks) == (1, 4)
    assert report.removed_bytes == sum(len(block) for block in dropped_blocks.values())
    assert on_disk(store) == blocks_of(store, kept)
    assert report.live_blocks == len(blocks_of(store, kept))
    assert b"".join(read_content(store, kept)) == kept_bytes
    with pytest.raises(ContentNotFound):
        b"".join(read_content(store, dropped))
    assert collect_garbage(store).removed_blocks == 0  # nothing left to remove


def test_a_block_that_pinned_content_shares_with_garbage_is_kept(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    shared, own = os.urandom(CHUNK_SIZE), os.urandom(CHUNK_SIZE)
    kept = store_bytes(store, shared + os.urandom(CHUNK_SIZE))
    dropped = store_bytes(store, shared + own)
    store.unpin(dropped)
    collect_garbage(store)
    assert b"".join(read_content(store, kept))[:CHUNK_SIZE] == shared
    assert on_disk(store) == blocks_of(store, kept)
    assert len(on_disk(store)) == 3  # the shared leaf, the other leaf, the node


def test_a_dry_run_counts_and_removes_nothing(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    store_bytes(store, os.urandom(CHUNK_SIZE))
    dropped = store_bytes(store, os.urandom(2 * CHUNK_SIZE))
    store.unpin(dropped)
    before = on_disk(store)
    dry = collect_garbage(store, dry_run=True)
    assert (dry.dry_run, dry.removed_blocks) == (True, 3)
    assert on_disk(store) == before
    done = collect_garbage(store)
    assert (done.removed_blocks, done.removed_bytes) == (dry.removed_blocks, dry.removed_bytes)


def test_only_staging_directories_of_long_dead_uploads_are_removed(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    dead, live = store.writer(), store.writer()
    dead.put(CID.decode(cid_text(store_bytes(store, b"x"))), b"x")
    old = time.time() - STALE_STAGING_SECONDS - 60
    os.utime(dead.directory, (old, old))
    report = collect_garbage(store)
    assert report.stale_staging == 1
    assert not dead.directory.exists()
    assert live.directory.is_dir()  # an upload in progress keeps its directory


def test_a_pinned_root_missing_a_node_stops_the_collection_before_anything_goes(
    tmp_path: Path,
) -> None:
    store = LocalBlockstore(tmp_path)
    broken = store_bytes(store, os.urandom(2 * CHUNK_SIZE))
    dropped = store_bytes(store, os.urandom(2 * CHUNK_SIZE))
    store.unpin(dropped)
    store.path_of(broken).unlink()  # the DAG node naming the leaves
    before = on_disk(store)
    with pytest.raises(ContentNotFound) as refused:
        collect_garbage(store)
    assert refused.value.details["root"] == cid_text(broken)
    assert on_disk(store) == before


def test_content_committed_during_collections_keeps_every_block(tmp_path: Path) -> None:
    """An ingest that stores content again whose blocks were garbage (the same bytes unpinned
    before) renames them into place while collections run: its commit and a collection never
    overlap, so the content it pinned is whole afterwards."""
    store = LocalBlockstore(tmp_path)
    data = os.urandom(4 * CHUNK_SIZE)
    stop = threading.Event()
    errors: list[BaseException] = []

    def collect() -> None:
        try:
            while not stop.is_set():
                collect_garbage(store)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    collector = threading.Thread(target=collect)
    collector.start()
    try:
        for _ in range(40):
            root = store_bytes(store, data)
            assert b"".join(read_content(store, root)) == data
            store.unpin(root)
        root = store_bytes(store, data)
    finally:
        stop.set()
        collector.join()
    assert not errors
    collect_garbage(store)
    assert b"".join(read_content(store, root)) == data
