"""The embedded blockstore: staged writes, reading a DAG back, CAR export."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from multiformats import CID

from registry.content_store import LocalBlockstore, dag_blocks, export_car, read_content
from registry.errors import ContentNotFound
from registry.unixfs import CHUNK_SIZE, UnixFSFileBuilder

ONE_MIB = bytes(i % 251 for i in range(1 << 20))
# sha256 of the CAR of ONE_MIB; the same bytes that @ipld/car 5.4.7 writes for these blocks.
ONE_MIB_CAR_SHA256 = "1cc6dcc109a145ba8d84932a48ba161eab0a68bd8c5ad09748758fcfe95601b1"


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
    assert hashlib.sha256(out.getvalue()).hexdigest() == ONE_MIB_CAR_SHA256
    assert next(cid for cid, _ in dag_blocks(store, root)) == root


def test_missing_block_is_a_domain_error(tmp_path: Path) -> None:
    store = LocalBlockstore(tmp_path)
    root = store_bytes(LocalBlockstore(tmp_path / "elsewhere"), ONE_MIB)
    with pytest.raises(ContentNotFound):
        b"".join(read_content(store, root))
