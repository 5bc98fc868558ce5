"""banquan.enc/1 segmented encryption: round trips, and every tampering detected."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import DecryptionFailed
from crypto.stream import HEADER_SIZE, SEGMENT_SIZE, StreamEncryptor, decrypt_stream
from crypto.symmetric import TAG_SIZE, Cipher, new_key

SEALED = SEGMENT_SIZE + TAG_SIZE


def encrypt(cipher: Cipher, key: bytes, data: bytes, piece: int = 100_000) -> bytes:
    encryptor = StreamEncryptor(cipher, key)
    parts = [encryptor.update(data[i : i + piece]) for i in range(0, len(data), piece)]
    return b"".join(parts) + encryptor.finish()


def decrypt(key: bytes, ciphertext: bytes, piece: int = 77_777) -> bytes:
    pieces = [ciphertext[i : i + piece] for i in range(0, len(ciphertext), piece)]
    return b"".join(decrypt_stream(key, pieces))


@pytest.mark.parametrize("cipher", list(Cipher))
@pytest.mark.parametrize(
    "size", [0, 1, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * SEGMENT_SIZE + 5]
)
def test_round_trip_at_segment_boundaries(cipher: Cipher, size: int) -> None:
    key = new_key(cipher)
    data = os.urandom(size)
    ciphertext = encrypt(cipher, key, data)
    segments = max(1, -(-size // SEGMENT_SIZE))
    assert len(ciphertext) == HEADER_SIZE + size + segments * TAG_SIZE
    assert decrypt(key, ciphertext) == data


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=2 * SEGMENT_SIZE + 10), st.integers(1, SEGMENT_SIZE + 3))
def test_round_trip_whatever_the_slicing(data: bytes, piece: int) -> None:
    key = new_key(Cipher.SM4_GCM)
    assert decrypt(key, encrypt(Cipher.SM4_GCM, key, data, piece), piece) == data


DATA = bytes(range(256)) * 3000  # three segments


@pytest.fixture
def sealed() -> tuple[bytes, bytes]:
    key = new_key(Cipher.SM4_GCM)
    return key, encrypt(Cipher.SM4_GCM, key, DATA)


def test_any_flipped_byte_is_detected(sealed: tuple[bytes, bytes]) -> None:
    key, ciphertext = sealed
    for position in (0, 4, 5, HEADER_SIZE, HEADER_SIZE + SEALED - 1, len(ciphertext) - 1):
        tampered = bytearray(ciphertext)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionFailed):
            decrypt(key, bytes(tampered))


def test_reordered_dropped_or_truncated_segments_are_detected(
    sealed: tuple[bytes, bytes],
) -> None:
    key, ciphertext = sealed
    header, body = ciphertext[:HEADER_SIZE], ciphertext[HEADER_SIZE:]
    segments = [body[i : i + SEALED] for i in range(0, len(body), SEALED)]
    assert len(segments) == 3
    for variant in (
        [segments[1], segments[0], segments[2]],  # reordered
        [segments[0], segments[2]],  # one dropped
        segments[:2],  # cut at a segment boundary
    ):
        with pytest.raises(DecryptionFailed):
            decrypt(key, header + b"".join(variant))


def test_wrong_key_or_format_is_refused(sealed: tuple[bytes, bytes]) -> None:
    _key, ciphertext = sealed
    with pytest.raises(DecryptionFailed):
        decrypt(new_key(Cipher.SM4_GCM), ciphertext)
    with pytest.raises(DecryptionFailed):
        decrypt(new_key(Cipher.SM4_GCM), b"not encrypted at all")
