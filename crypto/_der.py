"""The few DER (X.690) shapes banquan reads and writes: integers, octet and bit strings,
object identifiers and sequences.

Reading is strict: definite minimal lengths, minimal positive integers, no trailing bytes.
Anything else raises :class:`ValueError`, which callers turn into their own typed error.
"""

from typing import Final

SEQUENCE: Final = 0x30
INTEGER: Final = 0x02
BIT_STRING: Final = 0x03
OCTET_STRING: Final = 0x04
OBJECT_IDENTIFIER: Final = 0x06

# 1.2.840.10045.2.1 (id-ecPublicKey), 1.2.156.10197.1.301 (the SM2 curve), 1.3.132.0.10
# (secp256k1), written out as DER object identifiers.
OID_EC_PUBLIC_KEY: Final = bytes.fromhex("06072a8648ce3d0201")
OID_SM2_CURVE: Final = bytes.fromhex("06082a811ccf5501822d")
OID_SECP256K1: Final = bytes.fromhex("06052b8104000a")


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + encode_length(len(content)) + content


def encode_integer(value: int) -> bytes:
    if value < 0:
        raise ValueError("only non-negative integers are encoded")
    # One extra byte when the top bit is set keeps the integer positive.
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return encode(INTEGER, body)


def encode_sequence(*items: bytes) -> bytes:
    return encode(SEQUENCE, b"".join(items))


def read(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """Read one element at ``offset``: its tag, its content and the offset after it."""
    if offset + 2 > len(data):
        raise ValueError("truncated DER element")
    tag = data[offset]
    first = data[offset + 1]
    offset += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or offset + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[offset : offset + count], "big")
        if length < 0x80 or data[offset] == 0:
            raise ValueError("DER length is not minimal")
        offset += count
    end = offset + length
    if end > len(data):
        raise ValueError("truncated DER element")
    return tag, data[offset:end], end


def read_single(data: bytes, tag: int) -> bytes:
    """The content of ``data``, which must be exactly one element with ``tag``."""
    found, content, end = read(data)
    if found != tag:
        raise ValueError(f"expected DER tag 0x{tag:02x}, got 0x{found:02x}")
    if end != len(data):
        raise ValueError("trailing bytes after DER element")
    return content


def read_elements(content: bytes) -> list[tuple[int, bytes]]:
    """The elements of a sequence's content, in order."""
    elements = []
    offset = 0
    while offset < len(content):
        tag, value, offset = read(content, offset)
        elements.append((tag, value))
    return elements


def decode_integer(content: bytes) -> int:
    """A non-negative INTEGER's value from its minimal content."""
    if not content:
        raise ValueError("empty DER integer")
    if content[0] & 0x80:
        raise ValueError("negative DER integer")
    if len(content) > 1 and content[0] == 0 and not content[1] & 0x80:
        raise ValueError("DER integer is not minimal")
    return int.from_bytes(content, "big")
