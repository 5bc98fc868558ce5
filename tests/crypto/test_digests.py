import hashlib
import io
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto.digests import (
    ContentDigests,
    DigestAccumulator,
    digest_stream,
    parse_digest_hex,
    sha256,
    sm3,
)
from crypto.errors import CryptoError, InvalidDigest

VECTORS = Path(__file__).parent / "vectors"
CHUNK_SIZES = [1, 3, 63, 64, 65, 4096, 1 << 20]


def _standard_examples(name: str) -> list[tuple[bytes, str]]:
    data = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return [
        (v["message_ascii"].encode("ascii") * v["repeat"], v["digest"]) for v in data["vectors"]
    ]


SM3_EXAMPLES = _standard_examples("sm3_gbt32905.json")
SHA256_EXAMPLES = _standard_examples("sha256_fips180.json")


class RecordingStream(io.BytesIO):
    """A BytesIO that records the size argument of every read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_sizes: list[int | None] = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.read_sizes.append(size)
        return super().read(size)


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
@pytest.mark.parametrize(("message", "expected"), SM3_EXAMPLES)
def test_sm3_standard_examples(message: bytes, expected: str, chunk_size: int) -> None:
    digests = digest_stream(io.BytesIO(message), chunk_size=chunk_size)
    assert digests.sm3_hex == expected
    assert digests.sm3 == bytes.fromhex(expected)
    assert digests.size == len(message)


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
@pytest.mark.parametrize(("message", "expected"), SHA256_EXAMPLES)
def test_sha256_standard_examples(message: bytes, expected: str, chunk_size: int) -> None:
    digests = digest_stream(io.BytesIO(message), chunk_size=chunk_size)
    assert digests.sha256_hex == expected
    assert digests.sha256 == bytes.fromhex(expected)
    assert digests.size == len(message)


def test_both_digests_come_from_the_same_pass() -> None:
    message = b"abc"
    digests = digest_stream(io.BytesIO(message))
    assert digests == ContentDigests(
        sha256=bytes.fromhex(SHA256_EXAMPLES[0][1]),
        sm3=bytes.fromhex(SM3_EXAMPLES[0][1]),
        size=3,
    )


def test_empty_stream() -> None:
    digests = digest_stream(io.BytesIO(b""))
    assert digests.size == 0
    assert digests.sha256_hex == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert digests.sm3_hex == hashlib.new("sm3", b"").hexdigest()


def test_hex_properties_are_lowercase_without_prefix() -> None:
    digests = ContentDigests(sha256=bytes(range(32)), sm3=bytes(range(32, 64)), size=0)
    assert digests.sha256_hex == bytes(range(32)).hex()
    assert digests.sm3_hex == bytes(range(32, 64)).hex()
    assert digests.sha256_hex.islower()
    assert not digests.sm3_hex.startswith("0x")


def test_stream_is_read_in_fixed_chunks_never_whole() -> None:
    stream = RecordingStream(b"x" * 10_000)
    digests = digest_stream(stream, chunk_size=4096)
    assert digests.size == 10_000
    # Three full or partial chunks, then the empty read that signals the end.
    assert stream.read_sizes == [4096, 4096, 4096, 4096]


def test_stream_is_digested_from_its_current_position() -> None:
    stream = io.BytesIO(b"skipped:abc")
    stream.seek(len(b"skipped:"))
    assert digest_stream(stream).sm3_hex == SM3_EXAMPLES[0][1]


@pytest.mark.parametrize("chunk_size", [0, -1])
def test_chunk_size_must_be_positive(chunk_size: int) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        digest_stream(io.BytesIO(b"abc"), chunk_size=chunk_size)


def test_accumulator_size_counts_bytes_seen() -> None:
    accumulator = DigestAccumulator()
    assert accumulator.size == 0
    accumulator.update(b"ab")
    accumulator.update(b"")
    accumulator.update(b"c")
    assert accumulator.size == 3
    assert accumulator.finish().sm3_hex == SM3_EXAMPLES[0][1]


def test_finish_reports_the_bytes_so_far_and_does_not_reset() -> None:
    accumulator = DigestAccumulator()
    accumulator.update(b"abc")
    first = accumulator.finish()
    assert accumulator.finish() == first
    accumulator.update(b"d")
    assert accumulator.finish().sha256 == hashlib.sha256(b"abcd").digest()


@given(data=st.binary(max_size=2048), cuts=st.lists(st.integers(min_value=0, max_value=2048)))
def test_any_split_into_chunks_gives_the_same_digests(data: bytes, cuts: list[int]) -> None:
    bounds = sorted({0, len(data), *(cut for cut in cuts if cut <= len(data))})
    accumulator = DigestAccumulator()
    for start, end in itertools.pairwise(bounds):
        accumulator.update(data[start:end])
    assert accumulator.finish() == ContentDigests(
        sha256=hashlib.sha256(data).digest(),
        sm3=hashlib.new("sm3", data).digest(),
        size=len(data),
    )


@given(data=st.binary(max_size=4096), chunk_size=st.integers(min_value=1, max_value=5000))
def test_digest_stream_does_not_depend_on_chunk_size(data: bytes, chunk_size: int) -> None:
    assert digest_stream(io.BytesIO(data), chunk_size) == digest_stream(io.BytesIO(data))


@pytest.mark.parametrize(
    "text",
    [
        "ab" * 32,
        "AB" * 32,
        "aB" * 32,
        "0x" + "0f" * 32,
        "0X" + "F0" * 32,
    ],
)
def test_parse_digest_hex_accepts(text: str) -> None:
    assert parse_digest_hex(text) == bytes.fromhex(text[-64:])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0x",
        "ab" * 31 + "a",
        "ab" * 32 + "a",
        "ab" * 33,
        "0x" + "ab" * 31,
        "gg" * 32,
        " " + "ab" * 32,
        "ab" * 32 + "\n",
        "ab" * 16 + " " + "ab" * 15 + "a",
        "0x0x" + "ab" * 30,
        "x0" + "ab" * 32,
        "\uff10" * 64,
        "\u0660" * 64,
    ],
)
def test_parse_digest_hex_rejects(text: str) -> None:
    with pytest.raises(InvalidDigest):
        parse_digest_hex(text)


@pytest.mark.parametrize("value", [b"ab" * 32, None, 12, bytes(32)])
def test_parse_digest_hex_rejects_non_strings(value: object) -> None:
    with pytest.raises(InvalidDigest):
        parse_digest_hex(value)  # type: ignore[arg-type]


def test_invalid_digest_is_a_crypto_error() -> None:
    with pytest.raises(CryptoError):
        parse_digest_hex("nope")


@given(digest=st.binary(min_size=32, max_size=32), upper=st.booleans(), prefix=st.booleans())
def test_parse_digest_hex_round_trips(digest: bytes, upper: bool, prefix: bool) -> None:
    text = digest.hex().upper() if upper else digest.hex()
    assert parse_digest_hex(("0x" if prefix else "") + text) == digest


@pytest.mark.parametrize(("message", "digest"), SM3_EXAMPLES)
def test_one_shot_sm3_matches_the_standard(message: bytes, digest: str) -> None:
    assert sm3(message).hex() == digest


@pytest.mark.parametrize(("message", "digest"), SHA256_EXAMPLES)
def test_one_shot_sha256_matches_the_standard(message: bytes, digest: str) -> None:
    assert sha256(message).hex() == digest
