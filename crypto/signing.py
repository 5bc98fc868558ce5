"""One signing interface for SM2 and secp256k1.

Every key and every signature names its algorithm, so nothing is guessed:

* :class:`Algorithm` — ``"sm2"`` (SM2 with SM3 and Z_A over the key's distinguishing ID;
  raw ``r || s`` signatures, 64 bytes) or ``"secp256k1"`` (an EIP-191 personal-message
  signature ``r || s || v``, 65 bytes, low s — what a contract's ``ECDSA.recover`` accepts);
* :class:`Signature` — the algorithm and the signature bytes, written ``"sm2:<hex>"`` as text;
* :class:`Signer` — anything with ``algorithm``, ``public_key`` and ``sign(bytes) ->
  Signature`` (an in-memory :class:`KeySigner`, or an HSM behind the same methods);
* :func:`verify` — ``verify(public_key, message, signature) -> bool``.

A signature that does not verify, whatever its bytes, is ``False``. A key and a signature
of different algorithms raise :class:`~crypto.errors.UnsupportedAlgorithm`: that is a caller
mixing things up, not a bad signature.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from typing import Final, Protocol, runtime_checkable

from crypto.errors import InvalidKey, InvalidSignature, UnsupportedAlgorithm
from crypto.secp256k1 import Secp256k1PrivateKey, Secp256k1PublicKey
from crypto.sm2 import DEFAULT_ID, SM2PrivateKey, SM2PublicKey


class Algorithm(StrEnum):
    """A signature algorithm, by the name banquan writes everywhere."""

    SM2 = "sm2"
    SECP256K1 = "secp256k1"

    @classmethod
    def parse(cls, name: object) -> Algorithm:
        """The algorithm called ``name``.

        Raises:
            UnsupportedAlgorithm: no algorithm has that name.
        """
        try:
            return cls(name) if isinstance(name, str) else cls(str(name))
        except ValueError:
            known = ", ".join(member.value for member in cls)
            raise UnsupportedAlgorithm(
                f"unknown algorithm {name!r}; expected one of: {known}"
            ) from None


PublicKey = SM2PublicKey | Secp256k1PublicKey
PrivateKey = SM2PrivateKey | Secp256k1PrivateKey

SIGNATURE_SIZES: Final = {Algorithm.SM2: 64, Algorithm.SECP256K1: 65}

_SIGNATURE_TEXT = re.compile(r"(?P<algorithm>[A-Za-z0-9_-]+):(?:0x)?(?P<hex>[0-9a-fA-F]*)")
_PRINTABLE_ID = re.compile(rb"[\x20-\x7e]*")


class Signature:
    """A signature and the algorithm that made it.

    Raises:
        UnsupportedAlgorithm: an unknown algorithm.
        InvalidSignature: ``value`` has the wrong length for the algorithm.
    """

    __slots__ = ("algorithm", "value")

    algorithm: Algorithm
    value: bytes

    def __init__(self, algorithm: Algorithm | str, value: bytes) -> None:
        if algorithm.__class__ is not Algorithm:
            algorithm = Algorithm.parse(algorithm)
        size = SIGNATURE_SIZES[algorithm]
        if len(value) != size:
            raise InvalidSignature(f"a {algorithm} signature is {size} bytes, got {len(value)}")
        object.__setattr__(self, "algorithm", algorithm)
        object.__setattr__(self, "value", value if type(value) is bytes else bytes(value))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Signature is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Signature):
            return NotImplemented
        return self.algorithm == other.algorithm and self.value == other.value

    def __hash__(self) -> int:
        return hash((self.algorithm, self.value))

    def __repr__(self) -> str:
        return f"Signature({self.to_text()!r})"

    def to_text(self) -> str:
        """``"<algorithm>:<lowercase hex>"``, e.g. ``"secp256k1:3f…1b"``."""
        return f"{self.algorithm.value}:{self.value.hex()}"

    @classmethod
    def from_text(cls, text: str) -> Signature:
        """Parse :meth:`to_text` (an ``0x`` before the hex is accepted).

        Raises:
            InvalidSignature: not ``<algorithm>:<hex>``, or the wrong length.
            UnsupportedAlgorithm: an unknown algorithm.
        """
        match = _SIGNATURE_TEXT.fullmatch(text) if isinstance(text, str) else None
        if match is None or len(match["hex"]) % 2:
            raise InvalidSignature(f"expected '<algorithm>:<hex>', got {text!r}")
        return cls(Algorithm.parse(match["algorithm"]), bytes.fromhex(match["hex"]))


@runtime_checkable
class Signer(Protocol):
    """What signs claims: an in-memory key (:class:`KeySigner`) or an HSM."""

    @property
    def algorithm(self) -> Algorithm: ...

    @property
    def public_key(self) -> PublicKey: ...

    def sign(self, message: bytes) -> Signature: ...


class KeySigner:
    """A :class:`Signer` over a private key held in memory."""

    __slots__ = ("_algorithm", "_key", "_sign")

    def __init__(self, private_key: PrivateKey) -> None:
        self._key = private_key
        self._algorithm = Algorithm(private_key.algorithm)
        self._sign = private_key.sign

    @property
    def algorithm(self) -> Algorithm:
        return self._algorithm

    @property
    def public_key(self) -> PublicKey:
        return self._key.public_key

    @property
    def private_key(self) -> PrivateKey:
        return self._key

    def sign(self, message: bytes) -> Signature:
        """The signature of ``message`` (see :class:`Algorithm` for what is signed)."""
        return Signature(self._algorithm, self._sign(message))


def verify(public_key: PublicKey, message: bytes, signature: Signature) -> bool:
    """Whether ``signature`` is ``public_key``'s signature of ``message``.

    Raises:
        UnsupportedAlgorithm: the key and the signature name different algorithms, or
            ``signature`` is not a :class:`Signature`.
    """
    if not isinstance(signature, Signature):
        raise UnsupportedAlgorithm(
            f"a Signature (algorithm and bytes) is needed, got {type(signature).__name__}"
        )
    if not isinstance(public_key, SM2PublicKey | Secp256k1PublicKey):
        raise UnsupportedAlgorithm(
            f"an SM2 or secp256k1 public key is needed, got {type(public_key).__name__}"
        )
    if signature.algorithm != public_key.algorithm:
        raise UnsupportedAlgorithm(
            f"a {signature.algorithm} signature cannot be checked with a {public_key.algorithm} key"
        )
    return public_key.verify(message, signature.value)


def generate_private_key(algorithm: Algorithm | str, *, sm2_id: bytes = DEFAULT_ID) -> PrivateKey:
    """A new private key of ``algorithm`` (``sm2_id`` applies to SM2 only).

    Raises:
        UnsupportedAlgorithm: an unknown algorithm.
    """
    if Algorithm.parse(algorithm) is Algorithm.SM2:
        return SM2PrivateKey.generate(sm2_id)
    return Secp256k1PrivateKey.generate()


def private_key_from_bytes(
    algorithm: Algorithm | str, data: bytes, *, sm2_id: bytes = DEFAULT_ID
) -> PrivateKey:
    """The private key of ``algorithm`` whose scalar is ``data`` (32 bytes).

    Raises:
        UnsupportedAlgorithm: an unknown algorithm.
        InvalidKey: a malformed scalar.
    """
    if Algorithm.parse(algorithm) is Algorithm.SM2:
        return SM2PrivateKey.from_bytes(data, sm2_id)
    return Secp256k1PrivateKey.from_bytes(data)


def public_key_to_json(public_key: PublicKey) -> dict[str, str]:
    """``{"algorithm", "public_key": <uncompressed hex>}``, plus ``"sm2_id"`` for SM2.

    Raises:
        InvalidKey: an SM2 ID that is not printable ASCII (it cannot be written as text).
    """
    value = {"algorithm": public_key.algorithm, "public_key": public_key.to_bytes().hex()}
    if isinstance(public_key, SM2PublicKey):
        value["sm2_id"] = sm2_id_to_text(public_key.distid)
    return value


def public_key_from_json(value: object) -> PublicKey:
    """Parse :func:`public_key_to_json` (compressed points are accepted too).

    Raises:
        UnsupportedAlgorithm: an unknown algorithm.
        InvalidKey: a malformed key, unknown members, or a missing or misplaced ``sm2_id``.
    """
    if not isinstance(value, dict):
        raise InvalidKey(f"a public key is a JSON object, got {type(value).__name__}")
    # Members and their count pick out one object exactly: a match was fully checked before.
    members = (value.get("algorithm"), value.get("public_key"), value.get("sm2_id"), len(value))
    try:
        known = _KEYS_BY_MEMBERS.get(members)
    except TypeError:  # an unhashable member, refused below
        known = None
    if known is not None:
        return known
    key = _checked_public_key(value)
    if len(_KEYS_BY_MEMBERS) < _KEYS_BY_MEMBERS_LIMIT:
        _KEYS_BY_MEMBERS[members] = key
    return key


# Keys parsed from JSON, by their members: the same registrants sign claim after claim, and
# checking a key's hex and members costs as much again as finding it among the loaded keys.
_KEYS_BY_MEMBERS: dict[tuple[object, ...], PublicKey] = {}
_KEYS_BY_MEMBERS_LIMIT: Final = 4096


def _checked_public_key(value: dict[str, object]) -> PublicKey:
    algorithm = Algorithm.parse(value.get("algorithm"))
    allowed = {"algorithm", "public_key"} | ({"sm2_id"} if algorithm is Algorithm.SM2 else set())
    if value.keys() - allowed or "public_key" not in value:
        raise InvalidKey(f"a {algorithm} public key has exactly the members {sorted(allowed)}")
    encoded = value["public_key"]
    if not isinstance(encoded, str) or not re.fullmatch(r"(?:[0-9a-f]{2})+", encoded):
        raise InvalidKey("public_key must be lowercase hex")
    distid = sm2_id_from_text(value.get("sm2_id")) if algorithm is Algorithm.SM2 else b""
    return _loaded_public_key(algorithm, bytes.fromhex(encoded), distid)


@functools.lru_cache(maxsize=4096)
def _loaded_public_key(algorithm: Algorithm, data: bytes, distid: bytes) -> PublicKey:
    """The key of these bytes, loaded once: the same registrants sign claim after claim, and
    loading (for SM2, through OpenSSL's decoders) costs half a signature check. Keys are
    immutable, so one object serves every caller; an invalid key raises and is not cached."""
    if algorithm is Algorithm.SM2:
        return SM2PublicKey.from_bytes(data, distid)
    return Secp256k1PublicKey.from_bytes(data)


def sm2_id_to_text(distid: bytes) -> str:
    """An SM2 distinguishing ID as text. Raises :class:`InvalidKey` unless printable ASCII."""
    if _PRINTABLE_ID.fullmatch(distid) is None:
        raise InvalidKey("an SM2 ID written as text must be printable ASCII")
    return distid.decode("ascii")


def sm2_id_from_text(text: object) -> bytes:
    """The bytes of an SM2 ID written as text (a missing ID is an error, not the default)."""
    if not isinstance(text, str) or not text.isascii() or not text.isprintable():
        raise InvalidKey(f"sm2_id must be printable ASCII text, got {text!r}")
    distid = text.encode("ascii")
    if len(distid) > 8191:
        raise InvalidKey("an SM2 ID has at most 8191 bytes")
    return distid
