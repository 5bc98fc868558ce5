"""Use cases: look registrations up by number or digest, and check their proofs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Literal

from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from chain_client.errors import ChainError
from chain_client.registry_anchor import RegistrationStatus, RegistryAnchorClient
from crypto.digests import digest_stream, parse_digest_hex
from crypto.errors import CryptoError
from crypto.merkle import verify_proof
from registry.claims import claim_leaf
from registry.errors import (
    ChainUnreachable,
    DigestNotRegistered,
    InvalidDigest,
    RegistrationNotFound,
)
from registry.isbn import normalize_isbn
from registry.models import Registration, Work
from registry.unixfs import parse_cid
from registry.views import RegistrationView, registration_view, registrations_for_views

DigestAlgorithm = Literal["sha256", "sm3"]


@dataclass(frozen=True)
class ProofCheck:
    """The result of checking one registration's proof.

    ``leaf_matches_claim``: the stored claim hashes to the leaf; ``proof_valid``: the Merkle path
    leads from the leaf to the batch root (computed locally); ``chain_confirms``: the anchoring
    contract itself accepts leaf, path and root (``None`` when not anchored or not asked);
    ``revoked``: the regulator revoked the root (the registration shows revoked, not deleted).
    """

    leaf_matches_claim: bool
    proof_valid: bool
    chain_confirms: bool | None
    revoked: bool = False

    @property
    def ok(self) -> bool:
        return (
            self.leaf_matches_claim
            and self.proof_valid
            and self.chain_confirms is not False
            and not self.revoked
        )


def get_registration(sessions: sessionmaker[Session], number: str) -> RegistrationView:
    """The registration with this number; raises :class:`RegistrationNotFound`."""
    with sessions() as session:
        registration = session.scalar(
            registrations_for_views().where(Registration.number == number)
        )
        if registration is None:
            raise RegistrationNotFound(f"no registration {number!r}", details={"number": number})
        return registration_view(registration)


def find_by_digest(
    sessions: sessionmaker[Session], algorithm: DigestAlgorithm, digest_hex: str
) -> list[RegistrationView]:
    """Every registration of content with this digest, oldest first.

    Raises :class:`InvalidDigest` for a malformed digest and :class:`DigestNotRegistered` when
    nothing matches.
    """
    try:
        digest = parse_digest_hex(digest_hex).hex()
    except CryptoError as exc:
        raise InvalidDigest(str(exc), details={"algorithm": algorithm}) from exc
    column = Work.sha256 if algorithm == "sha256" else Work.sm3
    return _registrations_of_works(sessions, column, digest, algorithm, algorithm)


def find_by_cid(sessions: sessionmaker[Session], cid_text: str) -> list[RegistrationView]:
    """Every registration whose content has this IPFS CID (any multibase; stored as base32 v1)."""
    try:
        cid = parse_cid(cid_text)
    except ValueError as exc:
        raise InvalidDigest(f"not a CID: {exc}", details={"algorithm": "cid"}) from exc
    normalized = str(cid.set(version=1, base="base32"))
    return _registrations_of_works(sessions, Work.cid, normalized, "cid", "CID")


def find_by_isbn(sessions: sessionmaker[Session], isbn: str) -> list[RegistrationView]:
    """Every registration of a work with this ISBN (ISBN-10 or -13, hyphens allowed)."""
    normalized = normalize_isbn(isbn)
    return _registrations_of_works(sessions, Work.isbn, normalized, "isbn", "ISBN")


def _registrations_of_works(
    sessions: sessionmaker[Session],
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
    value: str,
    algorithm: str,
    label: str,
) -> list[RegistrationView]:
    """Registrations of the works whose ``column`` equals ``value``, oldest first;
    :class:`DigestNotRegistered` when there is none."""
    with sessions() as session:
        rows = list(
            session.scalars(
                registrations_for_views()
                .join(Registration.work)
                .where(column == value)
                .order_by(Registration.id)
            ).unique()
        )
        if not rows:
            raise DigestNotRegistered(
                f"no registered work has {label} {value}",
                details={"algorithm": algorithm, "digest": value},
            )
        return [registration_view(r) for r in rows]


def find_registrations(
    sessions: sessionmaker[Session],
    *,
    sha256: str | None = None,
    sm3: str | None = None,
    cid: str | None = None,
    isbn: str | None = None,
) -> list[RegistrationView]:
    """Look content up by exactly one identifier: SHA-256, SM3, IPFS CID or ISBN."""
    named = (("sha256", sha256), ("sm3", sm3), ("cid", cid), ("isbn", isbn))
    given = {name: value for name, value in named if value}
    if len(given) != 1:
        raise InvalidDigest(
            "give exactly one of sha256, sm3, cid and isbn", details={"given": sorted(given)}
        )
    if isbn is not None:
        return find_by_isbn(sessions, isbn)
    if cid is not None:
        return find_by_cid(sessions, cid)
    if sha256 is not None:
        return find_by_digest(sessions, "sha256", sha256)
    assert sm3 is not None
    return find_by_digest(sessions, "sm3", sm3)


def find_by_file(sessions: sessionmaker[Session], content: BinaryIO) -> list[RegistrationView]:
    """Every registration of exactly this file's content (hashed here, in one streaming pass)."""
    digests = digest_stream(content)
    return find_by_digest(sessions, "sha256", digests.sha256_hex)


def check_proof(view: RegistrationView, client: RegistryAnchorClient | None = None) -> ProofCheck:
    """Check a registration's claim, Merkle path and (given a client) the chain's own verdict."""
    leaf = bytes.fromhex(view.leaf)
    leaf_matches = claim_leaf(view.claim) == leaf
    if view.proof is None or view.anchor is None:
        return ProofCheck(leaf_matches, proof_valid=False, chain_confirms=None)
    root = bytes.fromhex(view.anchor.root)
    proof = [bytes.fromhex(step) for step in view.proof]
    proof_valid = verify_proof(leaf, proof, root)
    if client is None:
        return ProofCheck(leaf_matches, proof_valid, chain_confirms=None)
    try:
        status = client.registration_status(leaf, proof, root)
    except ChainError as exc:
        raise ChainUnreachable(f"cannot ask the chain: {exc}") from exc
    return ProofCheck(
        leaf_matches,
        proof_valid,
        chain_confirms=status is RegistrationStatus.VALID,
        revoked=status is RegistrationStatus.REVOKED,
    )
