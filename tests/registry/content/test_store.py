"""The embedded blockstore: staged writes, reading a DAG back, CAR export."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
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
