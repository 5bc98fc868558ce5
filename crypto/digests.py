"""SHA-256 and SM3 digests of content, computed together in a single pass."""

import hashlib
import re
from dataclasses import dataclass
from typing import BinaryIO

from crypto.errors import InvalidDigest

DIGEST_SIZE = 32
"""Length in bytes of both a SHA-256 and an SM3 digest."""

_DIGEST_HEX = re.compile(r"(?:0[xX])?[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class ContentDigests:
    """The SHA-256 and SM3 digests of some content, and its length in bytes."""

    sha256: bytes
    sm3: bytes
    size: int

    @property
    def sha256_hex(self) -> str:
        """The SHA-256 digest as 64 lowercase hex digits, without ``0x``."""
        return self.sha256.hex()

    @property
    def sm3_hex(self) -> str:
        """The SM3 digest as 64 lowercase hex digits, without ``0x``."""
        return self.sm3.hex()


def new_sm3() -> "hashlib._Hash":
    """A fresh SM3 hasher (OpenSSL's, through hashlib: it releases the GIL on large buffers)."""
    try:
        return hashlib.new("sm3")
    except ValueError as exc:
        raise RuntimeError(
            "SM3 is not available: Python's OpenSSL must provide it (OpenSSL 1.1.1 or later)"
        ) from exc


class DigestAccumulator:
    """Feeds each chunk of a stream to SHA-256 and SM3 at once.

    Call :meth:`update` with consecutive chunks, then :meth:`finish`. ``finish`` does not
    reset the accumulator: it returns the digests of every byte seen so far.
    """

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._sm3 = new_sm3()
        self._size = 0

    @property
    def size(self) -> int:
        """Number of bytes seen so far."""
        return self._size

    def update(self, chunk: bytes) -> None:
        """Add the next chunk of the content."""
        self._sha256.update(chunk)
        self._sm3.update(chunk)
        self._size += len(chunk)

    def finish(self) -> ContentDigests:
        """The digests of all the bytes passed to :meth:`update`."""
        return ContentDigests(sha256=self._sha256.digest(), sm3=self._sm3.digest(), size=self._size)


def digest_stream(stream: BinaryIO, chunk_size: int = 1 << 20) -> ContentDigests:
    """Digest a binary stream from its current position to its end.

    The stream is read in chunks of at most ``chunk_size`` bytes, so memory use does not
    depend on the content's length. The stream is neither rewound nor closed.

    Raises:
        ValueError: ``chunk_size`` is not positive.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    accumulator = DigestAccumulator()
    while chunk := stream.read(chunk_size):
        accumulator.update(chunk)
    return accumulator.finish()


def parse_digest_hex(text: str) -> bytes:
    """Parse a 32-byte digest written as 64 hex digits.

    An ``0x`` prefix and upper-case digits are accepted; nothing else is (no whitespace).

    Raises:
        InvalidDigest: ``text`` is not such a string.
    """
    if not isinstance(text, str) or _DIGEST_HEX.fullmatch(text) is None:
        raise InvalidDigest(f"expected 64 hex digits with an optional 0x prefix, got {text!r}")
    return bytes.fromhex(text[-2 * DIGEST_SIZE :])


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest (GB/T 32905) of ``data``."""
    hasher = new_sm3()
    hasher.update(data)
    return hasher.digest()


def sha256(data: bytes) -> bytes:
    """The 32-byte SHA-256 digest of ``data``."""
    return hashlib.sha256(data).digest()
