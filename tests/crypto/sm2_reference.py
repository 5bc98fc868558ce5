"""SM2 public-key encryption (GB/T 32918.4-2016, sections 6 and 7) in textbook arithmetic,
and the GM/T 0009 DER form of its ciphertext, written from the standards for the tests only.

Nothing here uses banquan's code, so banquan's ciphertexts can be checked against the
standard's steps rather than against themselves. SM3 is ``hashlib``'s (checked against the
GB/T 32905 examples in ``test_digests``). Slow and not constant-time.
"""

from __future__ import annotations

import hashlib

from tests.crypto import ec_reference

# The recommended curve (GB/T 32918.5-2017); the same values as `openssl ecparam -name SM2
# -param_enc explicit -text`.
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
G = (
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)


def _sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


def _bytes(value: int) -> bytes:
    return value.to_bytes(32, "big")


def multiply(k: int, point: tuple[int, int] = G) -> tuple[int, int]:
    result = ec_reference.multiply(P, A, k, point)
    assert result is not None
    return result


def on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - x * x * x - A * x - B) % P == 0


def kdf(z: bytes, klen: int) -> bytes:
    """KDF(Z, klen) of GB/T 32918.4, 5.4.3: SM3(Z || ct) for ct = 1, 2, ... (32 bits)."""
    blocks = (klen + 31) // 32
    return b"".join(_sm3(z + ct.to_bytes(4, "big")) for ct in range(1, blocks + 1))[:klen]


def encrypt(public_key: tuple[int, int], message: bytes, k: int) -> bytes:
    """C1 || C3 || C2 for ``message`` to ``public_key`` with the random number ``k`` (6.1)."""
    x1, y1 = multiply(k)
    x2, y2 = multiply(k, public_key)
    t = kdf(_bytes(x2) + _bytes(y2), len(message))
    if not any(t):
        raise ValueError("t is all zero: choose another k")
    c1 = b"\x04" + _bytes(x1) + _bytes(y1)
    c2 = bytes(m ^ t_i for m, t_i in zip(message, t, strict=True))
    c3 = _sm3(_bytes(x2) + message + _bytes(y2))
    return c1 + c3 + c2


def decrypt(d: int, ciphertext: bytes) -> bytes:
    """The plaintext of C1 || C3 || C2 for the private key ``d`` (7.1).

    Raises:
        ValueError: C1 is not an uncompressed point on the curve, t is all zero, or C3 is
            not SM3(x2 || M || y2).
    """
    if len(ciphertext) < 65 + 32 + 1 or ciphertext[0] != 4:
        raise ValueError("not 04 || x1 || y1 || C3 || C2")
    x1 = int.from_bytes(ciphertext[1:33], "big")
    y1 = int.from_bytes(ciphertext[33:65], "big")
    if not on_curve(x1, y1):
        raise ValueError("C1 is not on the curve")
    c3, c2 = ciphertext[65:97], ciphertext[97:]
    x2, y2 = multiply(d, (x1, y1))
    t = kdf(_bytes(x2) + _bytes(y2), len(c2))
    if not any(t):
        raise ValueError("t is all zero")
    message = bytes(c ^ t_i for c, t_i in zip(c2, t, strict=True))
    if _sm3(_bytes(x2) + message + _bytes(y2)) != c3:
        raise ValueError("C3 does not match")
    return message


# GM/T 0009 SM2Cipher ::= SEQUENCE { XCoordinate INTEGER, YCoordinate INTEGER,
#                                    HASH OCTET STRING (SIZE(32)), CipherText OCTET STRING }
# -- what `openssl pkeyutl -encrypt` writes and `-decrypt` reads.


def _tlv(tag: int, value: bytes) -> bytes:
    if len(value) < 0x80:
        return bytes([tag, len(value)]) + value
    length = len(value).to_bytes((len(value).bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + value


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _read_tlv(data: bytes, offset: int) -> tuple[int, bytes, int]:
    tag, first = data[offset], data[offset + 1]
    offset += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    value = data[offset : offset + length]
    if len(value) != length:
        raise ValueError("truncated DER")
    return tag, value, offset + length


def ciphertext_to_der(ciphertext: bytes) -> bytes:
    """The SM2Cipher DER of raw C1 || C3 || C2."""
    x1 = int.from_bytes(ciphertext[1:33], "big")
    y1 = int.from_bytes(ciphertext[33:65], "big")
    body = (
        _integer(x1)
        + _integer(y1)
        + _tlv(0x04, ciphertext[65:97])  # HASH: C3
        + _tlv(0x04, ciphertext[97:])  # CipherText: C2
    )
    return _tlv(0x30, body)


def ciphertext_from_der(der: bytes) -> bytes:
    """Raw C1 || C3 || C2 of SM2Cipher DER."""
    tag, body, end = _read_tlv(der, 0)
    if tag != 0x30 or end != len(der):
        raise ValueError("not one SEQUENCE")
    fields = []
    offset = 0
    while offset < len(body):
        tag, value, offset = _read_tlv(body, offset)
        fields.append((tag, value))
    if [tag for tag, _ in fields] != [0x02, 0x02, 0x04, 0x04]:
        raise ValueError("not SEQUENCE { INTEGER, INTEGER, OCTET STRING, OCTET STRING }")
    x1, y1 = (int.from_bytes(value, "big") for _, value in fields[:2])
    return b"\x04" + _bytes(x1) + _bytes(y1) + fields[2][1] + fields[3][1]
