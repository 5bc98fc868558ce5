"""Encrypting a work of any size in one pass: segmented AEAD (``banquan.enc/1``).

The plaintext is cut into 256 KiB segments, each sealed on its own with SM4-GCM or AES-256-GCM,
so memory stays flat, a reader authenticates every segment before releasing it, and segments
cannot be reordered, dropped or truncated unnoticed (the STREAM construction of Hoang, Reyhanitabar,
Rogaway and Vizár, as used by Tink and age):

    header  = b"BQE1" || cipher id (1 byte) || nonce prefix (7 random bytes)
    nonce_i = nonce prefix || i (4 bytes, big endian) || last (1 byte: 1 on the final segment)
    body    = seal_0 || seal_1 || … ; seal_i = GCM(key, nonce_i, segment_i, aad=header) (+16 tag)

Every segment but the last holds exactly ``SEGMENT_SIZE`` plaintext bytes; the last may be empty.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from typing import Final

from crypto.errors import DecryptionFailed
from crypto.symmetric import TAG_SIZE, Cipher, gcm_decrypt, gcm_encrypt

MAGIC: Final = b"BQE1"
SEGMENT_SIZE: Final = 256 * 1024
HEADER_SIZE: Final = 12
_CIPHER_IDS: Final = {Cipher.SM4_GCM: 1, Cipher.AES_256_GCM: 2}
_MAX_SEGMENTS: Final = 2**32


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class StreamEncryptor:
    """Feed plaintext with :meth:`update`, end with :meth:`finish`; each returns ciphertext."""

    def __init__(self, cipher: Cipher, key: bytes) -> None:
        self.cipher = Cipher.parse(cipher)
        self._key = key
        self._prefix = secrets.token_bytes(7)
        self.header = MAGIC + bytes([_CIPHER_IDS[self.cipher]]) + self._prefix
        self._pending = bytearray()
        self._index = 0
        self._started = False

    def update(self, plaintext: bytes) -> bytes:
        out = bytearray()
        if not self._started:
            out += self.header
            self._started = True
        self._pending += plaintext
        # Keep at least one byte back: only `finish` knows which segment is the last.
        while len(self._pending) > SEGMENT_SIZE:
            out += self._seal(bytes(self._pending[:SEGMENT_SIZE]), last=False)
            del self._pending[:SEGMENT_SIZE]
        return bytes(out)

    def finish(self) -> bytes:
        out = b"" if self._started else self.header
        self._started = True
        sealed = self._seal(bytes(self._pending), last=True)
        self._pending.clear()
        return out + sealed

    def _seal(self, segment: bytes, *, last: bool) -> bytes:
        if self._index >= _MAX_SEGMENTS:
            raise ValueError("too many segments for one stream")
        nonce = _nonce(self._prefix, self._index, last)
        self._index += 1
        return gcm_encrypt(self.cipher, self._key, nonce, segment, self.header)


def decrypt_stream(key: bytes, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The plaintext of a ``banquan.enc/1`` stream, segment by segment, each authenticated first.

    Raises:
        DecryptionFailed: a wrong key, an unknown format, or tampered, reordered or truncated data.
    """
    buffer = bytearray()
    source = iter(chunks)
    exhausted = False

    def fill(size: int) -> None:
        nonlocal exhausted
        while len(buffer) < size and not exhausted:
            try:
                buffer.extend(next(source))
            except StopIteration:
                exhausted = True

    fill(HEADER_SIZE)
    if len(buffer) < HEADER_SIZE or buffer[:4] != MAGIC:
        raise DecryptionFailed("not a banquan.enc/1 stream")
    header = bytes(buffer[:HEADER_SIZE])
    ids = {value: cipher for cipher, value in _CIPHER_IDS.items()}
    cipher = ids.get(header[4])
    if cipher is None:
        raise DecryptionFailed(f"unknown cipher id {header[4]}")
    prefix = header[5:12]
    del buffer[:HEADER_SIZE]
    sealed_size = SEGMENT_SIZE + TAG_SIZE
    index = 0
    while True:
        fill(sealed_size + 1)  # one byte more tells whether this segment is the last
        last = len(buffer) <= sealed_size
        sealed = bytes(buffer[: min(len(buffer), sealed_size)])
        del buffer[: len(sealed)]
        if len(sealed) < TAG_SIZE:
            raise DecryptionFailed("truncated stream")
        yield gcm_decrypt(
            cipher,
            key,
            _nonce(prefix, index, last),
            sealed[:-TAG_SIZE],
            sealed[-TAG_SIZE:],
            header,
        )
        index += 1
        if last:
            return
