"""SM2 (GB/T 32918) on the recommended 256-bit curve: keys, signatures with SM3 and the
distinguishing ID, and public-key encryption (C1C3C2) for wrapping content keys.

Signing, verification and encryption run in the system OpenSSL 3 (see
:mod:`crypto._openssl`); everything OpenSSL is handed has been validated here first: points
are on the curve and not at infinity, coordinates are below p, private keys are in
[1, n - 2], and signature components are in [1, n - 1].

Encodings:

* public keys: uncompressed ``04 || x || y`` (65 bytes), compressed ``02/03 || x`` (33 bytes),
  and SubjectPublicKeyInfo (DER or PEM, ``id-ecPublicKey`` with the SM2 curve OID);
* private keys: the 32-byte scalar, and unencrypted PKCS #8 (DER or PEM) for exchange with
  other tools; keystores (:mod:`crypto.keystore`) are how banquan stores them;
* signatures: raw ``r || s`` (64 bytes, what :class:`crypto.signing.Signature` carries) and
  DER ``SEQUENCE { r INTEGER, s INTEGER }`` (what OpenSSL and most tools exchange);
* ciphertext: raw ``C1 || C3 || C2`` with C1 = ``04 || x1 || y1`` (GB/T 32918.4), and the
  GM/T 0009 DER form ``SEQUENCE { x1, y1, C3, C2 }`` that OpenSSL reads and writes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import weakref
from typing import Final

from crypto import _der, _openssl
from crypto.errors import DecryptionFailed, InvalidKey, InvalidSignature

P: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX: Final = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY: Final = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

DEFAULT_ID: Final = b"1234567812345678"
"""The distinguishing ID GB/T 32918 and GM/T 0009 recommend when none is agreed."""

MAX_ID_LENGTH: Final = 8191
"""Z_A carries the ID's length in bits in two bytes, so an ID has at most 8191 bytes."""

SIGNATURE_SIZE: Final = 64
"""Length of a raw ``r || s`` signature."""

C3_SIZE: Final = 32
"""Length of the SM3 check value C3 of a ciphertext."""

_PEM = re.compile(
    r"-----BEGIN (?P<label>[A-Z ]+)-----\s*(?P<body>[A-Za-z0-9+/=\s]+?)\s*-----END (?P=label)-----"
)
_ALGORITHM = _der.encode_sequence(_der.OID_EC_PUBLIC_KEY, _der.OID_SM2_CURVE)


class SM2PublicKey:
    """A validated SM2 public key, with the distinguishing ID its signatures use.

    Build one with :meth:`from_bytes`, :meth:`from_der`, :meth:`from_pem` or
    :meth:`from_point`. Keys are immutable; two keys are equal when point and ID are.
    """

    algorithm: Final = "sm2"

    __slots__ = ("__weakref__", "_distid", "_finalizer", "_pkey", "_x", "_y", "_za")

    def __init__(self, x: int, y: int, distid: bytes, pkey: int) -> None:
        """Use the ``from_*`` constructors; this takes an already validated key."""
        self._x = x
        self._y = y
        self._distid = distid
        self._pkey = pkey
        self._za: bytes | None = None
        self._finalizer = weakref.finalize(self, _openssl.free_key, _openssl.libcrypto(), pkey)

    @classmethod
    def from_point(cls, x: int, y: int, distid: bytes = DEFAULT_ID) -> SM2PublicKey:
        """The key at affine point (x, y).

        Raises:
            InvalidKey: the point is not on the curve, or the ID is not usable.
        """
        _check_point(x, y)
        _check_id(distid)
        spki = _spki(x, y)
        _openssl.libcrypto()  # BackendUnavailable is not an invalid key: raise it as is
        try:
            pkey = _openssl.load_public_key(spki)
        except ValueError as exc:
            raise InvalidKey(str(exc)) from exc
        return cls(x, y, bytes(distid), pkey)

    @classmethod
    def from_bytes(cls, data: bytes, distid: bytes = DEFAULT_ID) -> SM2PublicKey:
        """A key from its uncompressed (65 bytes) or compressed (33 bytes) point encoding.

        Raises:
            InvalidKey: any other length or prefix, or a point not on the curve (the
                single byte ``00``, the point at infinity, is refused too).
        """
        x, y = decode_point(data)
        return cls.from_point(x, y, distid)

    @classmethod
    def from_der(cls, spki: bytes, distid: bytes = DEFAULT_ID) -> SM2PublicKey:
        """A key from a DER SubjectPublicKeyInfo on the SM2 curve.

        Raises:
            InvalidKey: not such a structure, another curve, or an invalid point.
        """
        try:
            elements = _der.read_elements(_der.read_single(bytes(spki), _der.SEQUENCE))
            if len(elements) != 2 or elements[0][0] != _der.SEQUENCE:
                raise ValueError("not a SubjectPublicKeyInfo")
            if _der.encode(_der.SEQUENCE, elements[0][1]) != _ALGORITHM:
                raise ValueError("not an EC key on the SM2 curve (1.2.156.10197.1.301)")
            tag, bits = elements[1]
            if tag != _der.BIT_STRING or not bits or bits[0] != 0:
                raise ValueError("malformed public key bit string")
        except ValueError as exc:
            raise InvalidKey(f"SM2 public key DER: {exc}") from exc
        return cls.from_bytes(bits[1:], distid)

    @classmethod
    def from_pem(cls, pem: str | bytes, distid: bytes = DEFAULT_ID) -> SM2PublicKey:
        """A key from a ``PUBLIC KEY`` PEM block (as ``openssl pkey -pubout`` writes).

        Raises:
            InvalidKey: no such block, or an invalid key in it.
        """
        return cls.from_der(_pem_body(pem, "PUBLIC KEY"), distid)

    @property
    def distid(self) -> bytes:
        """The distinguishing ID that signatures by this key are made and checked with."""
        return self._distid

    @property
    def point(self) -> tuple[int, int]:
        """The affine coordinates (x, y)."""
        return self._x, self._y

    def with_id(self, distid: bytes) -> SM2PublicKey:
        """The same point with another distinguishing ID."""
        return SM2PublicKey.from_point(self._x, self._y, distid)

    def to_bytes(self, *, compressed: bool = False) -> bytes:
        """``04 || x || y``, or ``02/03 || x`` when ``compressed``."""
        if compressed:
            return bytes([2 + (self._y & 1)]) + self._x.to_bytes(32, "big")
        return b"\x04" + self._x.to_bytes(32, "big") + self._y.to_bytes(32, "big")

    def to_der(self) -> bytes:
        """The DER SubjectPublicKeyInfo (uncompressed point)."""
        return _spki(self._x, self._y)

    def to_pem(self) -> str:
        """The ``PUBLIC KEY`` PEM block of :meth:`to_der`."""
        return _pem("PUBLIC KEY", self.to_der())

    def za(self) -> bytes:
        """Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2, 5.5)."""
        if self._za is None:
            self._za = compute_za(self._x, self._y, self._distid)
        return self._za

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (raw ``r || s``) is this key's signature of ``message``.

        A signature of the wrong length, or with r or s outside [1, n - 1], is ``False``.
        """
        if len(signature) != SIGNATURE_SIZE:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not (0 < r < N and 0 < s < N):
            return False
        der = _der.encode_sequence(_der.encode_integer(r), _der.encode_integer(s))
        return _openssl.sm2_verify(self._pkey, self._distid, _as_bytes(message), der)

    def verify_der(self, message: bytes, signature: bytes) -> bool:
        """Like :meth:`verify` for a DER signature; malformed DER is ``False``."""
        try:
            raw = signature_from_der(signature)
        except InvalidSignature:
            return False
        return self.verify(message, raw)

    def encrypt(self, plaintext: bytes) -> bytes:
        """SM2-encrypt ``plaintext`` (1 byte or more) to this key: ``C1 || C3 || C2``.

        Raises:
            ValueError: ``plaintext`` is empty.
        """
        if not plaintext:
            raise ValueError("SM2 encryption needs at least one byte of plaintext")
        return ciphertext_from_der(_openssl.sm2_encrypt(self._pkey, bytes(plaintext)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SM2PublicKey):
            return NotImplemented
        return (self._x, self._y, self._distid) == (other._x, other._y, other._distid)

    def __hash__(self) -> int:
        return hash((self.algorithm, self._x, self._y, self._distid))

    def __repr__(self) -> str:
        return f"SM2PublicKey({self.to_bytes().hex()}, distid={self._distid!r})"


class SM2PrivateKey:
    """An SM2 private key; it signs (:meth:`sign`) and decrypts (:meth:`decrypt`).

    Build one with :meth:`generate`, :meth:`from_bytes`, :meth:`from_der` or :meth:`from_pem`.
    """

    algorithm: Final = "sm2"

    __slots__ = ("__weakref__", "_d", "_finalizer", "_pkey", "_public_key")

    def __init__(self, d: int, pkey: int, public_key: SM2PublicKey) -> None:
        """Use the constructors; this takes an already loaded key."""
        self._d = d
        self._pkey = pkey
        self._public_key = public_key
        self._finalizer = weakref.finalize(self, _openssl.free_key, _openssl.libcrypto(), pkey)

    @classmethod
    def generate(cls, distid: bytes = DEFAULT_ID) -> SM2PrivateKey:
        """A new key, its scalar drawn from the operating system's CSPRNG."""
        return cls.from_int(1 + secrets.randbelow(N - 2), distid)

    @classmethod
    def from_int(cls, d: int, distid: bytes = DEFAULT_ID) -> SM2PrivateKey:
        """The key with scalar ``d``.

        Raises:
            InvalidKey: ``d`` is not in [1, n - 2] (SM2 signing needs 1 + d invertible).
        """
        if not isinstance(d, int) or not 1 <= d <= N - 2:
            raise InvalidKey("an SM2 private key must be an integer in [1, n - 2]")
        _check_id(distid)
        _openssl.libcrypto()  # BackendUnavailable is not an invalid key: raise it as is
        try:
            pkey = _openssl.load_private_key(_pkcs8(d, None))
            x, y = decode_point(_openssl.encoded_public_key(pkey))
        except ValueError as exc:
            raise InvalidKey(str(exc)) from exc
        return cls(d, pkey, SM2PublicKey.from_point(x, y, distid))

    @classmethod
    def from_bytes(cls, data: bytes, distid: bytes = DEFAULT_ID) -> SM2PrivateKey:
        """The key whose scalar is the 32 big-endian bytes ``data``.

        Raises:
            InvalidKey: not 32 bytes, or out of range.
        """
        if len(data) != 32:
            raise InvalidKey(f"an SM2 private key is 32 bytes, got {len(data)}")
        return cls.from_int(int.from_bytes(data, "big"), distid)

    @classmethod
    def from_der(cls, der: bytes, distid: bytes = DEFAULT_ID) -> SM2PrivateKey:
        """A key from unencrypted PKCS #8 or SEC 1 ``ECPrivateKey`` DER on the SM2 curve.

        Raises:
            InvalidKey: not such a structure, another curve, or an invalid scalar.
        """
        try:
            d = _scalar_from_der(bytes(der))
        except ValueError as exc:
            raise InvalidKey(f"SM2 private key DER: {exc}") from exc
        return cls.from_int(d, distid)

    @classmethod
    def from_pem(cls, pem: str | bytes, distid: bytes = DEFAULT_ID) -> SM2PrivateKey:
        """A key from a ``PRIVATE KEY`` (PKCS #8) or ``EC PRIVATE KEY`` (SEC 1) PEM block,
        as ``openssl genpkey -algorithm SM2`` or ``openssl ecparam -genkey`` write them."""
        text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
        label = "EC PRIVATE KEY" if "BEGIN EC PRIVATE KEY" in text else "PRIVATE KEY"
        return cls.from_der(_pem_body(text, label), distid)

    @property
    def public_key(self) -> SM2PublicKey:
        return self._public_key

    def to_bytes(self) -> bytes:
        """The 32-byte big-endian scalar. Keep it secret."""
        return self._d.to_bytes(32, "big")

    def to_der(self) -> bytes:
        """Unencrypted PKCS #8 DER (with the public key), for other tools. Keep it secret."""
        return _pkcs8(self._d, self._public_key.point)

    def to_pem(self) -> str:
        """The ``PRIVATE KEY`` PEM block of :meth:`to_der`. Keep it secret."""
        return _pem("PRIVATE KEY", self.to_der())

    def sign(self, message: bytes) -> bytes:
        """The raw ``r || s`` signature of ``message`` (SM3, Z_A with the key's ID, random k)."""
        return signature_from_der(self.sign_der(message))

    def sign_der(self, message: bytes) -> bytes:
        """Like :meth:`sign`, DER-encoded."""
        return _openssl.sm2_sign(self._pkey, self._public_key.distid, _as_bytes(message))

    def decrypt(self, ciphertext: bytes) -> bytes:
        """The plaintext of ``C1 || C3 || C2`` ciphertext made for this key's public key.

        Raises:
            DecryptionFailed: malformed ciphertext, C1 not on the curve, or a C3 that does
                not match (wrong key or tampered bytes).
        """
        der = ciphertext_to_der(ciphertext)
        plaintext = _openssl.sm2_decrypt(self._pkey, der)
        if plaintext is None:
            raise DecryptionFailed("SM2 ciphertext does not decrypt with this key")
        return plaintext

    def __repr__(self) -> str:
        return f"SM2PrivateKey(public_key={self._public_key.to_bytes().hex()})"


def compute_za(x: int, y: int, distid: bytes) -> bytes:
    """Z_A of the public key (x, y) with ``distid`` (GB/T 32918.2, 5.5)."""
    _check_id(distid)
    entl = (8 * len(distid)).to_bytes(2, "big")
    parts = [entl, distid] + [value.to_bytes(32, "big") for value in (A, B, GX, GY, x, y)]
    return hashlib.new("sm3", b"".join(parts)).digest()


def decode_point(data: bytes) -> tuple[int, int]:
    """(x, y) of an uncompressed or compressed point on the SM2 curve.

    Raises:
        InvalidKey: any other length or prefix, a coordinate >= p, or a point off the curve.
    """
    data = bytes(data)
    if len(data) == 65 and data[0] == 4:
        x = int.from_bytes(data[1:33], "big")
        y = int.from_bytes(data[33:], "big")
        _check_point(x, y)
        return x, y
    if len(data) == 33 and data[0] in (2, 3):
        x = int.from_bytes(data[1:], "big")
        if x >= P:
            raise InvalidKey("SM2 point: x is not below p")
        rhs = (x * x * x + A * x + B) % P
        # p = 3 (mod 4): a square root is rhs^((p + 1) / 4).
        y = pow(rhs, (P + 1) // 4, P)
        if y * y % P != rhs:
            raise InvalidKey("SM2 point: no point on the curve has this x")
        if y & 1 != data[0] & 1:
            y = P - y
        return x, y
    if data == b"\x00":
        raise InvalidKey("SM2 point: the point at infinity is not a public key")
    raise InvalidKey(
        f"SM2 point: expected 65 bytes (04 || x || y) or 33 bytes (02/03 || x), got {len(data)}"
    )


def signature_to_der(signature: bytes) -> bytes:
    """DER ``SEQUENCE { r, s }`` of a raw 64-byte ``r || s`` signature.

    Raises:
        InvalidSignature: not 64 bytes, or r or s outside [1, n - 1].
    """
    r, s = _split_signature(signature)
    return _der.encode_sequence(_der.encode_integer(r), _der.encode_integer(s))


def signature_from_der(der: bytes) -> bytes:
    """Raw ``r || s`` of a strict DER signature.

    Raises:
        InvalidSignature: not strict DER, or r or s outside [1, n - 1].
    """
    try:
        elements = _der.read_elements(_der.read_single(bytes(der), _der.SEQUENCE))
        if len(elements) != 2 or any(tag != _der.INTEGER for tag, _ in elements):
            raise ValueError("expected SEQUENCE { INTEGER, INTEGER }")
        r, s = (_der.decode_integer(value) for _, value in elements)
    except ValueError as exc:
        raise InvalidSignature(f"SM2 DER signature: {exc}") from exc
    if not (0 < r < N and 0 < s < N):
        raise InvalidSignature("SM2 signature: r and s must be in [1, n - 1]")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def ciphertext_from_der(der: bytes) -> bytes:
    """Raw ``C1 || C3 || C2`` of GM/T 0009 DER ciphertext.

    Raises:
        DecryptionFailed: malformed DER, or C1 not on the curve.
    """
    try:
        elements = _der.read_elements(_der.read_single(bytes(der), _der.SEQUENCE))
        tags = [tag for tag, _ in elements]
        if tags != [_der.INTEGER, _der.INTEGER, _der.OCTET_STRING, _der.OCTET_STRING]:
            raise ValueError("expected SEQUENCE { INTEGER, INTEGER, OCTET STRING, OCTET STRING }")
        x, y = (_der.decode_integer(value) for _, value in elements[:2])
        c3, c2 = elements[2][1], elements[3][1]
        if len(c3) != C3_SIZE or not c2:
            raise ValueError("C3 must be 32 bytes and C2 not empty")
        _check_point(x, y)
    except (ValueError, InvalidKey) as exc:
        raise DecryptionFailed(f"SM2 ciphertext: {exc}") from exc
    return b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big") + c3 + c2


def ciphertext_to_der(ciphertext: bytes) -> bytes:
    """GM/T 0009 DER of raw ``C1 || C3 || C2`` ciphertext (C1 uncompressed).

    Raises:
        DecryptionFailed: too short, C1 not an uncompressed point on the curve.
    """
    data = bytes(ciphertext)
    if len(data) <= 65 + C3_SIZE or data[0] != 4:
        raise DecryptionFailed("SM2 ciphertext: expected 04 || x1 || y1 || C3 || C2")
    try:
        x, y = decode_point(data[:65])
    except InvalidKey as exc:
        raise DecryptionFailed(f"SM2 ciphertext: C1 {exc}") from exc
    return _der.encode_sequence(
        _der.encode_integer(x),
        _der.encode_integer(y),
        _der.encode(_der.OCTET_STRING, data[65 : 65 + C3_SIZE]),
        _der.encode(_der.OCTET_STRING, data[65 + C3_SIZE :]),
    )


def _split_signature(signature: bytes) -> tuple[int, int]:
    if len(signature) != SIGNATURE_SIZE:
        raise InvalidSignature(f"an SM2 signature is 64 bytes (r || s), got {len(signature)}")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (0 < r < N and 0 < s < N):
        raise InvalidSignature("SM2 signature: r and s must be in [1, n - 1]")
    return r, s


def _as_bytes(data: bytes) -> bytes:
    # ctypes needs bytes; a bytes object is passed without a copy.
    return data if type(data) is bytes else bytes(data)


def _check_point(x: int, y: int) -> None:
    if not (0 <= x < P and 0 <= y < P):
        raise InvalidKey("SM2 point: coordinates must be below p")
    if (y * y - (x * x * x + A * x + B)) % P != 0:
        raise InvalidKey("SM2 point: not on the curve")
    # The cofactor is 1, so every point on the curve other than infinity (which has no
    # affine coordinates) is in the group of order n.


def _check_id(distid: bytes) -> None:
    if not isinstance(distid, bytes | bytearray):
        raise InvalidKey(f"an SM2 distinguishing ID is bytes, got {type(distid).__name__}")
    if len(distid) > MAX_ID_LENGTH:
        raise InvalidKey(f"an SM2 distinguishing ID has at most {MAX_ID_LENGTH} bytes")


def _spki(x: int, y: int) -> bytes:
    point = b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")
    return _der.encode_sequence(_ALGORITHM, _der.encode(_der.BIT_STRING, b"\x00" + point))


def _pkcs8(d: int, point: tuple[int, int] | None) -> bytes:
    inner = [_der.encode_integer(1), _der.encode(_der.OCTET_STRING, d.to_bytes(32, "big"))]
    if point is not None:
        encoded = b"\x04" + point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")
        inner.append(_der.encode(0xA1, _der.encode(_der.BIT_STRING, b"\x00" + encoded)))
    return _der.encode_sequence(
        _der.encode_integer(0),
        _ALGORITHM,
        _der.encode(_der.OCTET_STRING, _der.encode_sequence(*inner)),
    )


def _scalar_from_der(der: bytes) -> int:
    elements = _der.read_elements(_der.read_single(der, _der.SEQUENCE))
    if len(elements) >= 3 and elements[0] == (_der.INTEGER, b"\x00"):
        # PKCS #8 PrivateKeyInfo: version 0, algorithm, ECPrivateKey in an OCTET STRING.
        if _der.encode(elements[1][0], elements[1][1]) != _ALGORITHM:
            raise ValueError("not an EC key on the SM2 curve (1.2.156.10197.1.301)")
        if elements[2][0] != _der.OCTET_STRING:
            raise ValueError("malformed PKCS #8 private key")
        return _scalar_from_der(elements[2][1])
    # SEC 1 ECPrivateKey: version 1, the scalar, optional [0] curve and [1] public key.
    if len(elements) < 2 or elements[0] != (_der.INTEGER, b"\x01"):
        raise ValueError("neither PKCS #8 nor SEC 1 ECPrivateKey")
    if elements[1][0] != _der.OCTET_STRING or len(elements[1][1]) != 32:
        raise ValueError("the private scalar must be a 32-byte OCTET STRING")
    for tag, value in elements[2:]:
        if tag == 0xA0 and value != _der.OID_SM2_CURVE:
            raise ValueError("the key is on another curve than SM2")
    return int.from_bytes(elements[1][1], "big")


def _pem(label: str, der: bytes) -> str:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def _pem_body(pem: str | bytes, label: str) -> bytes:
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    for match in _PEM.finditer(text):
        if match["label"] == label:
            try:
                return base64.b64decode("".join(match["body"].split()), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise InvalidKey(f"PEM {label}: bad base64") from exc
    raise InvalidKey(f"no PEM block labelled {label!r}")
