"""Version 2 of the registration claim: signed, with rights and selectively disclosed fields.

``banquan.claim/2`` adds to version 1 (:mod:`crypto.claims`, unchanged and still parsed):

* ``rights``: the economic rights claimed (identifiers such as ``"reproduction"``), kept
  sorted and unique so that one set of rights has one encoding;
* ``registrant``: the registrant's public key with its algorithm (and, for SM2, the
  distinguishing ID), as :func:`crypto.signing.public_key_to_json` writes it; the
  registrant signs the claim's canonical bytes (:meth:`ClaimV2.verify_signature`);
* ``private``: for each field that must stay private (an author's identity number, say),
  only a salted commitment; the holder of the :class:`Disclosure` (name, value, salt) can
  later reveal that one field and anyone can check it against the claim.

The claim bytes are RFC 8785 JSON, so Python and JavaScript produce the same bytes; the
leaf is :func:`claim_leaf_v2`, domain-separated from version 1's leaves.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from eth_hash.auto import keccak

from crypto.canonical import canonical_json, canonical_json_of_plain
from crypto.claims import (
    Claim,
    _check_pattern,
    _expect_str,
    check_common_fields,
    content_fields,
    content_json,
)
from crypto.errors import CryptoError, InvalidClaim
from crypto.merkle import keccak256
from crypto.signing import (
    PublicKey,
    Signature,
    Signer,
    public_key_from_json,
    public_key_to_json,
    verify,
)

CLAIM_VERSION_2: Final = "banquan.claim/2"
CLAIM_LEAF_DOMAIN_V2: Final = b"banquan.claim.leaf.v2\x00"
SALTED_FIELD_DOMAIN: Final = b"banquan.claim.salted.v1\x00"
SALT_SIZE: Final = 32

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_CID = re.compile(r"[A-Za-z0-9]{1,256}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CLAIM_KEYS: Final = frozenset(
    {"v", "content", "metadata_digest", "rights", "registrant", "registered_at", "nonce"}
)
_OPTIONAL_KEYS: Final = frozenset({"private"})
_CONTENT_KEYS: Final = frozenset({"sha256", "sm3", "size", "cid"})


@dataclass(frozen=True)
class Disclosure:
    """One private field revealed: its name, its JSON value and the salt of its commitment."""

    name: str
    value: object
    salt: bytes

    def commitment(self) -> str:
        """The 64-hex-digit commitment a claim stores for this field (see
        :func:`salted_commitment`)."""
        return salted_commitment(self.name, self.value, self.salt)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "value": self.value, "salt": self.salt.hex()}

    @classmethod
    def from_json(cls, value: object) -> Disclosure:
        """Raises :class:`InvalidClaim` for a malformed disclosure."""
        if not isinstance(value, dict) or set(value) != {"name", "value", "salt"}:
            raise InvalidClaim("a disclosure is {name, value, salt}")
        _check_pattern("disclosure.name", value["name"], _NAME)
        _check_pattern("disclosure.salt", value["salt"], _HEX64)
        return cls(value["name"], value["value"], bytes.fromhex(value["salt"]))


def salted_commitment(name: str, value: object, salt: bytes) -> str:
    """keccak256(SALTED_FIELD_DOMAIN || salt || JCS([name, value])) as 64 lowercase hex digits.

    The 32-byte random salt keeps a guessable value (an identity number) from being found by
    trying candidates; the name in the hashed bytes keeps one field's disclosure from being
    presented as another's.

    Raises:
        InvalidClaim: a bad name, a salt that is not 32 bytes, or a value that is not JSON.
    """
    _check_pattern("private field name", name, _NAME)
    if not isinstance(salt, bytes) or len(salt) != SALT_SIZE:
        raise InvalidClaim(f"a salt is {SALT_SIZE} bytes")
    return keccak(SALTED_FIELD_DOMAIN + salt + canonical_json([name, value])).hex()


def private_field(name: str, value: object) -> Disclosure:
    """A fresh disclosure (random salt) for a field to keep private; put
    ``disclosure.commitment()`` in the claim and keep the disclosure."""
    disclosure = Disclosure(name, value, secrets.token_bytes(SALT_SIZE))
    disclosure.commitment()  # validates name and value now, not at disclosure time
    return disclosure


@dataclass(frozen=True)
class ClaimV2:
    """A ``banquan.claim/2`` claim; every field is validated on construction.

    Attributes:
        sha256, sm3, size, cid: the content, as in version 1.
        metadata_digest: :func:`crypto.claims.metadata_digest` of the work's metadata.
        rights: the rights claimed; any iterable, stored sorted and without repeats.
        registrant: the public key that signs the claim.
        registered_at: UTC time, ``"YYYY-MM-DDTHH:MM:SSZ"``.
        nonce: 32 lowercase hex digits (:func:`crypto.claims.new_nonce`).
        private: field name → :func:`salted_commitment` of each private field.

    Raises:
        InvalidClaim: a field is malformed.
    """

    sha256: str
    sm3: str
    size: int
    metadata_digest: str
    rights: tuple[str, ...]
    registrant: PublicKey
    registered_at: str
    nonce: str
    cid: str | None = None
    private: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_common_fields(self)
        rights = _normalized_rights(self.rights)
        object.__setattr__(self, "rights", rights)
        try:
            _registrant_json(self.registrant)  # what the claim's bytes will hold of it
        except (CryptoError, AttributeError, TypeError) as exc:
            raise InvalidClaim(f"registrant is not a usable public key: {exc}") from exc
        if not isinstance(self.private, Mapping):
            raise InvalidClaim("private must map field names to commitments")
        for name, commitment in self.private.items():
            _check_pattern("private field name", name, _NAME)
            _check_pattern(f"private.{name}", commitment, _HEX64)
        object.__setattr__(self, "private", MappingProxyType(dict(self.private)))

    def to_json(self) -> dict[str, object]:
        """The claim as a JSON object (``cid`` and an empty ``private`` are omitted)."""
        value: dict[str, object] = {
            "v": CLAIM_VERSION_2,
            "content": content_json(self),
            "metadata_digest": self.metadata_digest,
            "rights": list(self.rights),
            "registrant": public_key_to_json(self.registrant),
            "registered_at": self.registered_at,
            "nonce": self.nonce,
        }
        if self.private:
            value["private"] = dict(self.private)
        return value

    def canonical_bytes(self) -> bytes:
        """The RFC 8785 bytes of :meth:`to_json`: what the registrant signs."""
        # Every member was validated on construction, so each string is hex digits, an
        # identifier, a time or a CID (ASCII letters and digits: nothing to escape) and the size
        # an integer within 2**53 - 1: the members are written in JCS order (UTF-16 order of
        # their ASCII names) into a fixed layout. The registrant's key, whose SM2 ID may hold a
        # quote or a backslash, goes through the encoder once per key. A property test holds
        # these bytes equal to the general RFC 8785 encoder's on any valid claim.
        cid = "" if self.cid is None else f'"cid":"{self.cid}",'
        members = ",".join(f'"{name}":"{self.private[name]}"' for name in sorted(self.private))
        private = "" if not self.private else f'"private":{{{members}}},'
        rights = '","'.join(self.rights)  # never empty
        return (
            f'{{"content":{{{cid}"sha256":"{self.sha256}","size":{int(self.size)},'
            f'"sm3":"{self.sm3}"}},'
            f'"metadata_digest":"{self.metadata_digest}","nonce":"{self.nonce}",{private}'
            f'"registered_at":"{self.registered_at}",'
            f'"registrant":{_registrant_json(self.registrant)},'
            f'"rights":["{rights}"],"v":"{CLAIM_VERSION_2}"}}'
        ).encode("ascii")

    def leaf(self) -> bytes:
        """:func:`claim_leaf_v2` of :meth:`canonical_bytes`."""
        return claim_leaf_v2(self.canonical_bytes())

    def sign(self, signer: Signer) -> Signature:
        """The registrant's signature of the claim.

        Raises:
            InvalidClaim: ``signer`` is not the registrant.
        """
        if signer.public_key != self.registrant:
            raise InvalidClaim("the signer's key is not the claim's registrant")
        return signer.sign(self.canonical_bytes())

    def verify_signature(self, signature: Signature) -> bool:
        """Whether ``signature`` is the registrant's signature of the claim bytes.

        Raises:
            UnsupportedAlgorithm: the signature's algorithm is not the registrant's.
        """
        return verify(self.registrant, self.canonical_bytes(), signature)

    def check_disclosure(self, disclosure: Disclosure) -> bool:
        """Whether ``disclosure`` reveals one of this claim's private fields."""
        committed = self.private.get(disclosure.name)
        try:
            return committed is not None and committed == disclosure.commitment()
        except InvalidClaim:
            return False

    @classmethod
    def from_json(cls, value: object) -> ClaimV2:
        """Parse :meth:`to_json` output; unknown or missing members are rejected.

        Raises:
            InvalidClaim: ``value`` is not a valid version 2 claim.
        """
        if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
            raise InvalidClaim("claim must be a JSON object")
        missing = _CLAIM_KEYS - value.keys()
        unknown = value.keys() - _CLAIM_KEYS - _OPTIONAL_KEYS
        if missing or unknown:
            raise InvalidClaim(
                f"claim members: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        if value["v"] != CLAIM_VERSION_2:
            raise InvalidClaim(f"unsupported claim version {value['v']!r}")
        content = value["content"]
        if not isinstance(content, dict) or not {"sha256", "sm3", "size"} <= content.keys():
            raise InvalidClaim("content must hold sha256, sm3 and size")
        if content.keys() - _CONTENT_KEYS:
            raise InvalidClaim(
                f"content has unknown members: {sorted(content.keys() - _CONTENT_KEYS)}"
            )
        rights = value["rights"]
        if not isinstance(rights, list):
            raise InvalidClaim("rights must be a list")
        normalized = _normalized_rights(rights)
        if list(normalized) != rights:
            raise InvalidClaim("rights must be sorted and without repeats")
        private = value.get("private", {})
        if "private" in value and (not isinstance(private, dict) or not private):
            raise InvalidClaim("private, when present, is a non-empty object")
        try:
            registrant = public_key_from_json(value["registrant"])
        except CryptoError as exc:
            raise InvalidClaim(f"registrant: {exc}") from exc
        if public_key_to_json(registrant) != value["registrant"]:
            # A compressed key, say: the same key, but its claim's bytes (and leaf) would be
            # what a checker hashing the claim as written does not get.
            raise InvalidClaim("registrant: not in its canonical form (an uncompressed key)")
        return cls(
            **content_fields(content),
            metadata_digest=_expect_str("metadata_digest", value["metadata_digest"]),
            rights=normalized,
            registrant=registrant,
            registered_at=_expect_str("registered_at", value["registered_at"]),
            nonce=_expect_str("nonce", value["nonce"]),
            private=private,
        )


@functools.lru_cache(maxsize=4096)
def _registrant_json(key: PublicKey) -> str:
    """The RFC 8785 text of ``key`` as :func:`public_key_to_json` writes it (keys are immutable
    and hashable; the same registrants sign claim after claim)."""
    return canonical_json_of_plain(public_key_to_json(key)).decode("ascii")


def claim_leaf_v2(claim_bytes: bytes) -> bytes:
    """The 32-byte leaf of a version 2 claim: keccak256(CLAIM_LEAF_DOMAIN_V2 || claim_bytes)."""
    return keccak256(CLAIM_LEAF_DOMAIN_V2 + claim_bytes)


def parse_claim(value: object) -> Claim | ClaimV2:
    """A claim of any version, by its ``"v"`` member.

    Raises:
        InvalidClaim: an unknown version or a malformed claim.
    """
    version = value.get("v") if isinstance(value, dict) else None
    if version == CLAIM_VERSION_2:
        return ClaimV2.from_json(value)
    return Claim.from_json(value)


def _normalized_rights(rights: Iterable[object]) -> tuple[str, ...]:
    if rights.__class__ is tuple or rights.__class__ is list:
        # Most common: the rights as a claim lists them, normalized already (found by equality,
        # so a str subclass among them gets the plain tuple).
        try:
            known = _NORMALIZED_RIGHTS.get(tuple(rights))
        except TypeError:  # an unhashable member, refused below
            known = None
        if known is not None:
            return known
        # Then, in C: plain strings, each a right already seen valid.
        if set(map(type, rights)) == {str}:
            unique = set(rights)
            if unique <= _VALID_RIGHTS:
                return _remembered(tuple(sorted(unique)))
    if isinstance(rights, str | bytes) or not isinstance(rights, Iterable):
        raise InvalidClaim("rights must be a collection of right identifiers")
    values: list[str] = []
    for right in rights:
        if right.__class__ is not str or right not in _VALID_RIGHTS:
            _check_pattern("right", right, _NAME)
            _remember_valid_right(right)
        values.append(str(right))
    if not values:
        raise InvalidClaim("a claim claims at least one right")
    return _remembered(tuple(sorted(set(values))))


def _remembered(normalized: tuple[str, ...]) -> tuple[str, ...]:
    if len(_NORMALIZED_RIGHTS) < _NORMALIZED_RIGHTS_LIMIT:
        _NORMALIZED_RIGHTS[normalized] = normalized
    return normalized


# Right identifiers that already matched _NAME. Claims draw their rights from a short list, so
# a set lookup spares the regular expression on almost every right; the bound keeps a stream of
# made-up names from growing it without end (past it, names are matched every time).
_VALID_RIGHTS: set[str] = set()
_VALID_RIGHTS_LIMIT: Final = 1024
# Sets of rights already normalized (sorted, unique, each valid), each mapped to itself: a
# handful of sets recur in nearly every claim. Bounded like _VALID_RIGHTS.
_NORMALIZED_RIGHTS: dict[tuple[str, ...], tuple[str, ...]] = {}
_NORMALIZED_RIGHTS_LIMIT: Final = 1024


def _remember_valid_right(right: object) -> None:
    if right.__class__ is str and len(_VALID_RIGHTS) < _VALID_RIGHTS_LIMIT:
        _VALID_RIGHTS.add(right)
