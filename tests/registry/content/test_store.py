"""The embedded blockstore: staged writes, reading a DAG back, CAR export."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import threading
from pathlib import Path

import pytest
from multiformats import CID

from registry.content.store import LocalBlockstore, dag_blocks, export_car, read_content
from registry.content.unixfs import CHUNK_SIZE, UnixFSFileBuilder
from registry.core.errors import ContentNotFound

ONE_MIB = bytes(i % 251 for i in range(1 << 20))
# The CAR that the reference writer (@ipld/car) gives for ONE_MIB, written by car_export.mjs.
[ONE_MIB_CAR] = json.loads(
    (Path(__file__).parent / "vectors" / "car_export.json").read_text(encoding="utf-8")
)["cases"]


def store_bytes(store: LocalBlockstore, data: bytes) -> CID:
    writer = store.writer()
    builder = UnixFSFileBuilder(writer.put)
    builder.update(data)
    root = builder.finish()
    writer.commit(root)
    return root


def test_committed_content_reads_back_and_is_pinned(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    root = store_bytes(store, ONE_MIB)
    assert b"".join(read_content(store, root)) == ONE_MIB
    assert store.is_pinned(root)
    assert not any(store.staging.iterdir())


def test_a_commit_makes_the_names_of_its_blocks_and_its_pin_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The renames of a commit survive a power cut only once their directories are synced.
    synced_directories: set[tuple[int, int]] = set()
    real_fsync = os.fsync

    def recording_fsync(descriptor: int) -> None:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            synced_directories.add((status.st_dev, status.st_ino))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    store = LocalBlockstore(tmp_path)
    root = store_bytes(store, ONE_MIB)

    def identity(path: Path) -> tuple[int, int]:
        status = path.stat()
        return status.st_dev, status.st_ino

    block_directories = {identity(store.path_of(cid).parent) for cid, _ in dag_blocks(store, root)}
    assert block_directories <= synced_directories
    assert identity(store.pins) in synced_directories


@pytest.mark.parametrize("size", [100, 1 << 20], ids=["one block", "five blocks"])
def test_every_block_is_durable_before_its_name_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    # Blocks are synced while the ingest goes on (a thread past the first block), and a commit
    # renames nothing before the last of them is on disk: the renamed name must point at data.
    synced_files: set[tuple[int, int]] = set()
    synced_when_first_named: set[tuple[int, int]] | None = None
    real_fsync, real_replace = os.fsync, os.replace

    def recording_fsync(descriptor: int) -> None:
        real_fsync(descriptor)
        status = os.fstat(descriptor)
        if stat.S_ISREG(status.st_mode):
            synced_files.add((status.st_dev, status.st_ino))

    def recording_replace(source: Path, target: Path) -> None:
        nonlocal synced_when_first_named
        if synced_when_first_named is None:
            synced_when_first_named = set(synced_files)
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    store = LocalBlockstore(tmp_path)
    root = store_bytes(store, ONE_MIB[:size])

    blocks = [store.path_of(cid).stat() for cid, _ in dag_blocks(store, root)]
    assert len(blocks) == (1 if size == 100 else 5)
    assert synced_when_first_named is not None
    assert {(block.st_dev, block.st_ino) for block in blocks} <= synced_when_first_named


def test_a_block_that_cannot_be_synced_fails_the_commit_which_names_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync

    def failing_fsync(descriptor: int) -> None:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(5, "Input/output error")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    store = LocalBlockstore(tmp_path)
    writer = store.writer()
    builder = UnixFSFileBuilder(writer.put)
    builder.update(ONE_MIB)
    root = builder.finish()
    with pytest.raises(OSError, match="Input/output error"):
        writer.commit(root)
    writer.abort()
    assert not store.is_pinned(root)
    assert not store.blocks.exists() or not any(store.blocks.rglob("*"))
    assert not any(store.staging.iterdir())


def test_an_abort_leaves_no_thread_syncing(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    writer = LocalBlockstore(tmp_path).writer()
    UnixFSFileBuilder(writer.put).update(ONE_MIB)  # four leaves: the syncing thread runs
    assert set(threading.enumerate()) - before
    writer.abort()
    assert not set(threading.enumerate()) - before


def test_aborted_writer_leaves_no_block(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    writer = store.writer()
    UnixFSFileBuilder(writer.put).update(ONE_MIB)
    writer.abort()
    assert not store.blocks.exists() or not any(store.blocks.rglob("*"))
    assert not any(store.staging.iterdir())


def test_repeated_chunks_are_stored_once(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    zeros = bytes(4 * CHUNK_SIZE)
    root = store_bytes(store, zeros)
    assert b"".join(read_content(store, root)) == zeros
    assert len([p for p in store.blocks.rglob("*") if p.is_file()]) == 2  # one leaf, one node


def test_car_export_matches_the_reference_writer(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    root = store_bytes(store, ONE_MIB)
    out = io.BytesIO()
    export_car(store, root, out)
    assert ONE_MIB_CAR["size"] == len(ONE_MIB)
    assert str(root) == ONE_MIB_CAR["root"]
    assert len(out.getvalue()) == ONE_MIB_CAR["bytes"]
    assert hashlib.sha256(out.getvalue()).hexdigest() == ONE_MIB_CAR["sha256"]
    assert next(cid for cid, _ in dag_blocks(store, root)) == root


def test_missing_block_is_a_domain_error(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    root = store_bytes(LocalBlockstore(tmp_path / "elsewhere"), ONE_MIB)
    with pytest.raises(ContentNotFound):
        b"".join(read_content(store, root))
