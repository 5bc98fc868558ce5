"""Registration claims: what is registered, and the leaf that commits to it on chain.

A claim binds the digests of a work's content to a digest of its metadata, a registration
time and a random nonce. Its RFC 8785 canonical JSON is what registrants sign, and
:func:`claim_leaf_v1` of those bytes is the leaf that goes into the registration Merkle tree.
"""

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol, TypedDict

from eth_hash.auto import keccak

from crypto.canonical import canonical_json
from crypto.errors import InvalidClaim

CLAIM_VERSION: Final = "banquan.claim/1"
"""Value of the ``"v"`` member of every claim of this format."""

CLAIM_LEAF_DOMAIN: Final = b"banquan.claim.leaf.v1\x00"
"""Prefix hashed before the claim bytes so a leaf cannot be confused with any other hash."""

MAX_SIZE: Final = 2**53 - 1
"""Largest content size a claim can carry: the largest integer JSON represents exactly."""

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_CID = re.compile(r"[A-Za-z0-9]{1,256}")
_REGISTRANT = re.compile(r"[a-z][a-z0-9]{0,31}:[A-Za-z0-9]{1,512}")

_CLAIM_KEYS: Final = frozenset(
    {"v", "content", "metadata_digest", "registered_at", "nonce", "registrant"}
)
_CONTENT_KEYS: Final = frozenset({"sha256", "sm3", "size", "cid"})


class _CommonFields(Protocol):
    """What every claim version has (frozen dataclasses: read-only)."""

    @property
    def sha256(self) -> str: ...
    @property
    def sm3(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def metadata_digest(self) -> str: ...
    @property
    def registered_at(self) -> str: ...
    @property
    def nonce(self) -> str: ...
    @property
    def cid(self) -> str | None: ...


class ContentFields(TypedDict):
    """The ``content`` member of a claim, as the claim's fields (every version has them)."""

    sha256: str
    sm3: str
    size: int
    cid: str | None


def content_json(claim: _CommonFields) -> dict[str, object]:
    """The ``content`` member of ``claim``'s JSON; ``cid`` is omitted when ``None``."""
    content: dict[str, object] = {"sha256": claim.sha256, "sm3": claim.sm3, "size": claim.size}
    if claim.cid is not None:
        content["cid"] = claim.cid
    return content


def content_fields(content: dict[str, object]) -> ContentFields:
    """The fields of a parsed ``content`` member whose keys are checked already."""
    return ContentFields(
        sha256=_expect_str("content.sha256", content["sha256"]),
        sm3=_expect_str("content.sm3", content["sm3"]),
        # Type and range are checked by check_common_fields.
        size=content["size"],  # type: ignore[typeddict-item]
        cid=_expect_str("content.cid", content["cid"]) if "cid" in content else None,
    )


def check_common_fields(claim: _CommonFields) -> None:
    """Validate the members every claim version shares; raises :class:`InvalidClaim`."""
    _check_pattern("content.sha256", claim.sha256, _HEX64)
    _check_pattern("content.sm3", claim.sm3, _HEX64)
    # bool is an int subclass, but true/false is not a size.
    if not isinstance(claim.size, int) or isinstance(claim.size, bool):
        raise InvalidClaim(f"content.size must be an integer, got {claim.size!r}")
    if not 0 <= claim.size <= MAX_SIZE:
        raise InvalidClaim(f"content.size must be in [0, 2**53 - 1], got {claim.size}")
    _check_pattern("metadata_digest", claim.metadata_digest, _HEX64)
    _check_timestamp(claim.registered_at)
    _check_pattern("nonce", claim.nonce, _HEX32)
    if claim.cid is not None:
        _check_pattern("content.cid", claim.cid, _CID)


@dataclass(frozen=True)
class Claim:
    """One registration claim; every field is validated on construction.

    Attributes:
        sha256: SHA-256 of the content, 64 lowercase hex digits.
        sm3: SM3 of the content, 64 lowercase hex digits.
        size: content length in bytes, from 0 to 2**53 - 1.
        metadata_digest: :func:`metadata_digest` of the work's metadata.
        registered_at: UTC time in RFC 3339 form with seconds and ``Z``,
            e.g. ``"2026-11-27T08:00:00Z"``.
        nonce: 32 lowercase hex digits from :func:`new_nonce`; it makes two registrations of
            the same content produce different leaves.
        cid: optional IPFS content identifier (ASCII letters and digits).
        registrant: optional ``"<scheme>:<key or address>"`` of the signer, e.g.
            ``"sm2:04ab…"`` or ``"secp256k1:0x…"``; ``None`` for an unsigned claim.

    Raises:
        InvalidClaim: a field is malformed.
    """

    sha256: str
    sm3: str
    size: int
    metadata_digest: str
    registered_at: str
    nonce: str
    cid: str | None = None
    registrant: str | None = None

    def __post_init__(self) -> None:
        check_common_fields(self)
        if self.registrant is not None:
            _check_pattern("registrant", self.registrant, _REGISTRANT)

    def to_json(self) -> dict[str, object]:
        """The claim as a JSON object; ``cid`` and ``registrant`` are omitted when ``None``."""
        value: dict[str, object] = {
            "v": CLAIM_VERSION,
            "content": content_json(self),
            "metadata_digest": self.metadata_digest,
            "registered_at": self.registered_at,
            "nonce": self.nonce,
        }
        if self.registrant is not None:
            value["registrant"] = self.registrant
        return value

    def canonical_bytes(self) -> bytes:
        """The RFC 8785 canonical JSON of :meth:`to_json`: the bytes that are signed."""
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> "Claim":
        """Parse a claim from a decoded JSON object, as produced by :meth:`to_json`.

        Unknown members, a missing member, an explicit ``null`` for an optional member or a
        different ``"v"`` are all rejected.

        Raises:
            InvalidClaim: ``value`` is not a valid claim.
        """
        claim = _expect_object("claim", value, required=_CLAIM_KEYS - {"registrant"})
        unknown = claim.keys() - _CLAIM_KEYS
        if unknown:
            raise InvalidClaim(f"claim has unknown members: {sorted(unknown)}")
        if claim["v"] != CLAIM_VERSION:
            raise InvalidClaim(f"unsupported claim version {claim['v']!r}")
        content = _expect_object("content", claim["content"], required={"sha256", "sm3", "size"})
        unknown = content.keys() - _CONTENT_KEYS
        if unknown:
            raise InvalidClaim(f"content has unknown members: {sorted(unknown)}")
        return cls(
            **content_fields(content),
            metadata_digest=_expect_str("metadata_digest", claim["metadata_digest"]),
            registered_at=_expect_str("registered_at", claim["registered_at"]),
            nonce=_expect_str("nonce", claim["nonce"]),
            registrant=(
                _expect_str("registrant", claim["registrant"]) if "registrant" in claim else None
            ),
        )


def metadata_digest(metadata: Mapping[str, object]) -> str:
    """SHA-256, as 64 lowercase hex digits, of the canonical JSON of a metadata object.

    Raises:
        InvalidClaim: ``metadata`` is not a JSON object (see :func:`crypto.canonical_json`).
    """
    if not isinstance(metadata, Mapping):
        raise InvalidClaim(f"metadata must be a JSON object, got {type(metadata).__name__}")
    return hashlib.sha256(canonical_json(dict(metadata))).hexdigest()


def claim_leaf_v1(claim_bytes: bytes) -> bytes:
    """The 32-byte registration leaf of a claim: keccak256(CLAIM_LEAF_DOMAIN || claim_bytes).

    ``claim_bytes`` should be :meth:`Claim.canonical_bytes`; they are hashed as given.
    """
    return keccak(CLAIM_LEAF_DOMAIN + claim_bytes)


def new_nonce() -> str:
    """A fresh claim nonce: 16 random bytes from a CSPRNG, as 32 lowercase hex digits."""
    return secrets.token_hex(16)


def _check_pattern(name: str, value: object, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise InvalidClaim(f"{name} is malformed: {value!r}")


def _check_timestamp(value: object) -> None:
    _check_pattern("registered_at", value, _TIMESTAMP)
    text = str(value)
    try:
        # The pattern already pinned the digits and the zone to Z; building the datetime
        # rejects impossible dates and times (hour 24, second 60, 30 February) as strptime
        # would, at a tenth of its cost.
        datetime(
            int(text[0:4]), int(text[5:7]), int(text[8:10]),
            int(text[11:13]), int(text[14:16]), int(text[17:19]),
        )  # fmt: skip
    except ValueError as exc:
        raise InvalidClaim(f"registered_at is not a valid time: {value!r}") from exc


def _expect_object(
    name: str, value: object, *, required: set[str] | frozenset[str]
) -> dict[str, object]:
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise InvalidClaim(f"{name} must be a JSON object, got {type(value).__name__}")
    missing = required - value.keys()
    if missing:
        raise InvalidClaim(f"{name} lacks members: {sorted(missing)}")
    return value


def _expect_str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidClaim(f"{name} must be a string, got {type(value).__name__}")
    return value
