"""secp256k1 ECDSA the way Ethereum uses it, on libsecp256k1 (``coincurve``).

* Signatures are 65 bytes ``r || s || v`` with ``v`` in {27, 28}, the form
  ``ecrecover`` and OpenZeppelin's ``ECDSA.recover`` take. ``s`` is always low
  (``s <= n / 2``): signing produces only such signatures and verification rejects the
  others, as Ethereum does since EIP-2.
* :meth:`Secp256k1PrivateKey.sign` signs an EIP-191 personal message
  (``"\\x19Ethereum Signed Message:\\n" + len + message``, what ``personal_sign``,
  eth-account's ``encode_defunct`` and OpenZeppelin's ``MessageHashUtils.toEthSignedMessageHash``
  produce); :meth:`~Secp256k1PrivateKey.sign_typed_data` signs EIP-712 typed data.
* Verification recovers the signer from (r, s, v) and compares it with the expected key,
  exactly like a contract does: a signature with the wrong ``v`` is rejected.
* :func:`verify_digest_der` is plain ECDSA over a 32-byte digest with a DER signature (the
  Wycheproof form); it enforces low s unless asked not to.

Nonces are RFC 6979 deterministic (libsecp256k1's default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import coincurve
from coincurve.ecdsa import cdata_to_der, deserialize_compact
from eth_hash.auto import keccak

from crypto import _der
from crypto.errors import InvalidKey, InvalidSignature

P: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_N: Final = N // 2
SIGNATURE_SIZE: Final = 65
"""Length of an ``r || s || v`` signature."""

_EIP191_PREFIX: Final = b"\x19Ethereum Signed Message:\n"


class Secp256k1PublicKey:
    """A validated secp256k1 public key. Build it with :meth:`from_bytes`."""

    algorithm: Final = "secp256k1"

    __slots__ = ("_key", "_uncompressed")

    def __init__(self, key: coincurve.PublicKey) -> None:
        """Use :meth:`from_bytes`; this wraps an already parsed key."""
        self._key = key
        # Formatted on first use: a key recovered only to be returned may never need it.
        self._uncompressed: bytes | None = None

    @classmethod
    def from_bytes(cls, data: bytes) -> Secp256k1PublicKey:
        """A key from ``04 || x || y`` (65 bytes) or ``02/03 || x`` (33 bytes).

        Raises:
            InvalidKey: any other encoding, a coordinate >= p or a point off the curve.
        """
        data = bytes(data)
        if not (len(data) == 65 and data[0] == 4) and not (len(data) == 33 and data[0] in (2, 3)):
            raise InvalidKey(
                "secp256k1 point: expected 65 bytes (04 || x || y) or 33 bytes (02/03 || x)"
                f", got {len(data)} bytes"
            )
        try:
            return cls(coincurve.PublicKey(data))
        except (ValueError, TypeError) as exc:
            raise InvalidKey(f"secp256k1 point is not on the curve: {exc}") from exc

    def to_bytes(self, *, compressed: bool = False) -> bytes:
        """``04 || x || y``, or ``02/03 || x`` when ``compressed``."""
        if compressed:
            return bytes(self._key.format(compressed=True))
        if self._uncompressed is None:
            self._uncompressed = bytes(self._key.format(compressed=False))
        return self._uncompressed

    @property
    def address(self) -> str:
        """The EIP-55 checksummed Ethereum address of this key."""
        return to_checksum_address(keccak(self.to_bytes()[1:])[12:])

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (``r || s || v``) signs the EIP-191 personal ``message``."""
        return self.verify_digest(eip191_digest(message), signature)

    def verify_typed_data(self, typed_data: Mapping[str, Any], signature: bytes) -> bool:
        """Whether ``signature`` signs the EIP-712 ``typed_data`` (see :func:`eip712_digest`).

        Raises:
            ValueError: ``typed_data`` is not valid EIP-712 typed data.
        """
        return self.verify_digest(eip712_digest(typed_data), signature)

    def verify_digest(self, digest: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (``r || s || v``, low s) recovers this key from ``digest``."""
        recovered = _recover(digest, signature)
        return recovered is not None and recovered.format(compressed=False) == self.to_bytes()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secp256k1PublicKey):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash((self.algorithm, self.to_bytes()))

    def __repr__(self) -> str:
        return f"Secp256k1PublicKey({self.to_bytes().hex()})"


class Secp256k1PrivateKey:
    """A secp256k1 private key. Build it with :meth:`generate` or :meth:`from_bytes`."""

    algorithm: Final = "secp256k1"

    __slots__ = ("_key", "_public_key")

    def __init__(self, key: coincurve.PrivateKey) -> None:
        """Use the constructors; this wraps an already valid key."""
        self._key = key
        self._public_key = Secp256k1PublicKey(key.public_key)

    @classmethod
    def generate(cls) -> Secp256k1PrivateKey:
        """A new key from the operating system's CSPRNG."""
        return cls(coincurve.PrivateKey())

    @classmethod
    def from_bytes(cls, data: bytes) -> Secp256k1PrivateKey:
        """The key whose scalar is the 32 big-endian bytes ``data``.

        Raises:
            InvalidKey: not 32 bytes, or not in [1, n - 1].
        """
        if len(data) != 32 or not 0 < int.from_bytes(data, "big") < N:
            raise InvalidKey("a secp256k1 private key is 32 bytes in [1, n - 1]")
        return cls(coincurve.PrivateKey(bytes(data)))

    @property
    def public_key(self) -> Secp256k1PublicKey:
        return self._public_key

    @property
    def address(self) -> str:
        return self._public_key.address

    def to_bytes(self) -> bytes:
        """The 32-byte big-endian scalar. Keep it secret."""
        return bytes(self._key.secret)

    def sign(self, message: bytes) -> bytes:
        """``r || s || v`` of the EIP-191 personal ``message`` (``personal_sign``)."""
        return self.sign_digest(eip191_digest(message))

    def sign_typed_data(self, typed_data: Mapping[str, Any]) -> bytes:
        """``r || s || v`` of EIP-712 ``typed_data`` (``eth_signTypedData_v4``).

        Raises:
            ValueError: ``typed_data`` is not valid EIP-712 typed data.
        """
        return self.sign_digest(eip712_digest(typed_data))

    def sign_digest(self, digest: bytes) -> bytes:
        """``r || s || v`` (low s, ``v`` in {27, 28}) of a 32-byte digest, signed as is.

        Raises:
            ValueError: ``digest`` is not 32 bytes.
        """
        if len(digest) != 32:
            raise ValueError(f"a digest to sign is 32 bytes, got {len(digest)}")
        signature = self._key.sign_recoverable(digest, hasher=None)
        return signature[:64] + bytes((signature[64] + 27,))

    def __repr__(self) -> str:
        return f"Secp256k1PrivateKey(address={self.address})"


def eip191_digest(message: bytes) -> bytes:
    """keccak256 of the EIP-191 (version ``E``) personal message ``message``."""
    if type(message) is not bytes:
        message = bytes(message)
    return keccak(_EIP191_PREFIX + str(len(message)).encode("ascii") + message)


def eip712_digest(typed_data: Mapping[str, Any]) -> bytes:
    """``keccak256(0x19 0x01 || domainSeparator || hashStruct(message))`` of EIP-712 typed data
    (``types``, ``primaryType``, ``domain``, ``message``), as eth-account computes it.

    Raises:
        ValueError: ``typed_data`` is not valid EIP-712 typed data.
    """
    # eth_account takes most of a second to import: only signing and checking typed data need it.
    from eth_account.messages import encode_typed_data

    try:
        signable = encode_typed_data(full_message=dict(typed_data))
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"not valid EIP-712 typed data: {exc}") from exc
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def recover(digest: bytes, signature: bytes) -> Secp256k1PublicKey:
    """The public key that made ``signature`` (``r || s || v``, low s) over ``digest``.

    Raises:
        InvalidSignature: a malformed or high-s signature, or one that recovers no key.
    """
    recovered = _recover(digest, signature)
    if recovered is None:
        raise InvalidSignature("the signature recovers no public key")
    return Secp256k1PublicKey(recovered)


def recover_message(message: bytes, signature: bytes) -> Secp256k1PublicKey:
    """:func:`recover` for an EIP-191 personal message."""
    return recover(eip191_digest(message), signature)


def verify_digest_der(
    public_key: Secp256k1PublicKey, digest: bytes, signature: bytes, *, low_s: bool = True
) -> bool:
    """Plain ECDSA: whether the strict-DER ``signature`` signs the 32-byte ``digest``.

    With ``low_s=False`` a high-s signature is accepted as ECDSA itself allows (SEC 1);
    banquan enforces low s everywhere else.
    """
    if len(digest) != 32:
        return False
    try:
        elements = _der.read_elements(_der.read_single(bytes(signature), _der.SEQUENCE))
        if len(elements) != 2 or any(tag != _der.INTEGER for tag, _ in elements):
            return False
        r, s = (_der.decode_integer(value) for _, value in elements)
    except ValueError:
        return False
    if not (0 < r < N and 0 < s < N):
        return False
    if s > HALF_N:
        if low_s:
            return False
        s = N - s  # libsecp256k1 checks only the low-s twin of a signature
    compact = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    der = cdata_to_der(deserialize_compact(compact))
    return bool(public_key._key.verify(der, digest, hasher=None))


def signature_to_der(signature: bytes) -> bytes:
    """DER ``SEQUENCE { r, s }`` of ``r || s`` (64 bytes, or 65 with ``v``, which is dropped).

    Raises:
        InvalidSignature: another length, or r or s outside [1, n - 1].
    """
    if len(signature) not in (64, 65):
        raise InvalidSignature(
            f"expected r || s (64 bytes) or r || s || v (65), got {len(signature)}"
        )
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if not (0 < r < N and 0 < s < N):
        raise InvalidSignature("r and s must be in [1, n - 1]")
    return _der.encode_sequence(_der.encode_integer(r), _der.encode_integer(s))


def to_checksum_address(address: bytes) -> str:
    """The EIP-55 mixed-case form of a 20-byte address."""
    if len(address) != 20:
        raise ValueError(f"an address is 20 bytes, got {len(address)}")
    lower = address.hex()
    hashed = keccak(lower.encode("ascii")).hex()
    return "0x" + "".join(
        char.upper() if int(nibble, 16) >= 8 else char
        for char, nibble in zip(lower, hashed[:40], strict=True)
    )


def _recover(digest: bytes, signature: bytes) -> coincurve.PublicKey | None:
    if len(digest) != 32 or len(signature) != SIGNATURE_SIZE:
        return None
    v = signature[64]
    if v not in (27, 28):
        return None
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if not (0 < r < N and 0 < s <= HALF_N):
        return None
    try:
        return coincurve.PublicKey.from_signature_and_message(
            signature[:64] + bytes((v - 27,)), digest, hasher=None
        )
    except ValueError:
        return None
