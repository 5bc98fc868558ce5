"""The Kubo RPC content store against a protocol-faithful stand-in served over real HTTP."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import pytest
from multiformats import CID, multihash

from registry.content.ingest import ingest, stage
from registry.content.kubo import KuboContentStore
from registry.content.store import read_content
from registry.core.errors import ContentNotFound, ContentStoreUnavailable, UploadTooLarge
from tests.conftest import free_port, serve_asgi
from tests.registry.content.kubo_fake import FakeKubo, golden_cid, patterned

CHUNK_SIZE = 262144  # Kubo's default chunker, size-262144
DATA = patterned(3 * CHUNK_SIZE + 5)


@pytest.fixture
def kubo() -> FakeKubo:
    return FakeKubo()


@pytest.fixture
def store(kubo: FakeKubo) -> Iterator[KuboContentStore]:
    with serve_asgi(kubo.app()) as url:
        store = KuboContentStore.connect(url)
        yield store
        store.close()


def test_ingest_puts_each_block_once_and_pins_the_root(
    kubo: FakeKubo, store: KuboContentStore
) -> None:
    result = ingest(io.BytesIO(DATA), store, max_bytes=1 << 30)
    assert result.cid == golden_cid(DATA)
    puts = [params for path, params in kubo.calls if path == "block/put"]
    assert len(puts) == 5  # 4 raw leaves (one repeated chunk would be sent once) + 1 node
    assert {p["cid-codec"] for p in puts} == {"raw", "dag-pb"}
    assert all(p["mhtype"] == "sha2-256" for p in puts)
    assert kubo.pins == {result.cid}
    assert b"".join(read_content(store, CID.decode(result.cid))) == DATA


def test_a_refused_or_dropped_upload_puts_no_block_on_the_node(
    kubo: FakeKubo, store: KuboContentStore
) -> None:
    """A block on the node is served to the IPFS network, pinned or not, until its garbage
    collection: an upload refused, or read and then dropped (moderation holds it, an idempotent
    retry), never reaches it."""
    with pytest.raises(UploadTooLarge):
        ingest(io.BytesIO(DATA), store, max_bytes=CHUNK_SIZE)
    stage(io.BytesIO(DATA), store, max_bytes=1 << 30).abort()
    assert [path for path, _ in kubo.calls if path == "block/put"] == []
    assert (kubo.blocks, kubo.pins) == ({}, set())
    staged = stage(io.BytesIO(DATA), store, max_bytes=1 << 30)
    assert kubo.blocks == {}  # read, not yet accepted
    staged.commit()
    assert kubo.pins == {staged.content.cid}
    assert len(kubo.blocks) == 5


def test_node_errors_and_missing_blocks_are_domain_errors(
    kubo: FakeKubo, store: KuboContentStore
) -> None:
    missing = CID(
        "base32", 1, "raw", multihash.wrap(hashlib.sha256(b"never stored").digest(), "sha2-256")
    )
    assert not store.has_block(missing)
    with pytest.raises(ContentNotFound):
        store.get_block(missing)
    kubo.fail_next = 1
    with pytest.raises(ContentStoreUnavailable, match="disk full"):
        ingest(io.BytesIO(DATA), store, max_bytes=1 << 30)
    store.unpin(missing)  # unpinning what is not pinned is not an error


def test_unreachable_node_is_content_store_unavailable() -> None:
    store = KuboContentStore.connect(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(ContentStoreUnavailable):
        ingest(io.BytesIO(DATA), store, max_bytes=1 << 30)
    store.close()
