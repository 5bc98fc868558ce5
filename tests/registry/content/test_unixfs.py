"""CIDs identical to `ipfs add --cid-version=1 --raw-leaves`, pinned from the reference importer."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multiformats import CID

from registry.content.unixfs import (
    CHUNK_SIZE,
    DAG_PB,
    RAW,
    UnixFSFileBuilder,
    cid_of,
    cid_text,
    cid_v1_rawleaves_256k,
    parse_cid,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "unixfs_cids.json").read_text())["cases"]
PATTERN = bytes(i % 251 for i in range(251 * 4096))


def pattern(size: int) -> bytes:
    return (PATTERN * (size // len(PATTERN) + 1))[:size]


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_cid_matches_the_reference_importer(case: dict[str, object]) -> None:
    blocks: dict[str, bytes] = {}
    builder = UnixFSFileBuilder(lambda cid, block: blocks.update({str(cid): block}))
    data = pattern(int(str(case["size"])))
    for offset in range(0, len(data), 1_000_003):  # slices unrelated to the chunk size
        builder.update(data[offset : offset + 1_000_003])
    root = builder.finish()
    assert str(root) == case["cid"]
    assert len(blocks) == case["blocks"]
    assert str(root) in blocks


def test_every_emitted_block_hashes_to_its_cid() -> None:
    emitted: list[tuple[CID, bytes]] = []
    builder = UnixFSFileBuilder(lambda cid, block: emitted.append((cid, block)))
    builder.update(pattern(3 * CHUNK_SIZE + 17))
    builder.finish()
    for cid, block in emitted:
        assert CID.decode(str(cid)) == cid
        assert cid.raw_digest == hashlib.sha256(block).digest()


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=3 * CHUNK_SIZE), st.lists(st.integers(1, CHUNK_SIZE), max_size=8))
def test_cid_does_not_depend_on_how_the_bytes_are_sliced(data: bytes, cuts: list[int]) -> None:
    builder = UnixFSFileBuilder(lambda _cid, _block: None)
    offset = 0
    for cut in cuts:
        builder.update(data[offset : offset + cut])
        offset += cut
    builder.update(data[offset:])
    assert builder.finish() == cid_v1_rawleaves_256k(data)


@pytest.mark.parametrize("text", ["", "b", "z", "m", "u", "0", "Q", "bafy", "f01", "\x00"])
def test_text_that_is_not_a_cid_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not a CID"):
        parse_cid(text)


def test_a_cid_is_parsed_in_any_multibase() -> None:
    cid = cid_v1_rawleaves_256k(b"banquan")
    assert parse_cid(f"  {cid.encode('base58btc')} ") == cid


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=600_000), codec=st.sampled_from(["raw", "dag-pb"]))
def test_cid_text_is_what_multiformats_writes(data: bytes, codec: str) -> None:
    # cid_text writes base32 CIDs itself; multiformats' own encoder is the reference.
    cid = CID("base32", 1, codec, ("sha2-256", hashlib.sha256(data).digest()))
    assert cid_text.__wrapped__(cid) == str(cid)
    built = UnixFSFileBuilder(lambda _cid, _block: None)
    built.update(data)
    root = built.finish()
    assert cid_text.__wrapped__(root) == str(root)
    others = [cid.set(base="base58btc")]
    if codec == "dag-pb":
        others.append(cid.set(base="base58btc", version=0))
    for other in others:  # not version 1 in base32: multiformats writes them
        assert cid_text.__wrapped__(other) == str(other)


@settings(max_examples=50, deadline=None)
@given(block=st.binary(max_size=4096), codec=st.sampled_from([RAW, DAG_PB]))
def test_cid_of_is_what_multiformats_builds(block: bytes, codec: int) -> None:
    # cid_of skips multiformats' argument checks; its public, checking constructor is the reference.
    name = {RAW: "raw", DAG_PB: "dag-pb"}[codec]
    reference = CID("base32", 1, name, ("sha2-256", hashlib.sha256(block).digest()))
    made = cid_of(codec, block)
    assert made == reference
    assert hash(made) == hash(reference)
    assert bytes(made) == bytes(reference)
    assert str(made) == str(reference)
    assert (made.codec, made.hashfun, made.raw_digest) == (
        reference.codec, reference.hashfun, reference.raw_digest
    )  # fmt: skip
    assert CID.decode(str(made)) == made
