"""Use cases: look registrations up by number or digest, and check their proofs."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from sqlalchemy import Connection, Engine, Row, Select, bindparam
from sqlalchemy.orm import Session, sessionmaker

from chain_client.anchor_reader import ChainVerdicts, RegistrationStatus
from chain_client.errors import ChainError
from crypto.digests import digest_stream, parse_digest_hex
from crypto.errors import CryptoError
from crypto.merkle import verify_proof
from registry.content import parse_cid
from registry.core.errors import (
    ChainUnreachable,
    DigestNotRegistered,
    InvalidDigest,
    RegistrationNotFound,
)
from registry.core.isbn import normalize_isbn
from registry.core.models import Registration, Work
from registry.core.priority import claims_from_rows, views_with_claims, with_priority
from registry.core.views import (
    REGISTRATION_ROWS,
    RegistrationView,
    registration_view,
    registrations_for_views,
    view_of_row,
)
from registry.registration import claim_leaf

if TYPE_CHECKING:  # psycopg is imported only where lookups run on an event loop
    from registry.proofs.loop_lookups import LoopLookups

DigestAlgorithm = Literal["sha256", "sm3"]


@dataclass(frozen=True)
class ProofCheck:
    """The result of checking one registration's proof.

    ``leaf_matches_claim``: the stored claim hashes to the leaf; ``proof_valid``: the Merkle path
    leads from the leaf to the batch root (computed locally); ``chain_confirms``: the anchoring
    contract itself accepts leaf, path and root (``None`` when not anchored or not asked);
    ``revoked``: the regulator revoked the registration itself (under any root that holds it)
    or its batch root (the registration shows revoked, not deleted).
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
    """The registration with this number, with its priority among the claimants of its content;
    raises :class:`RegistrationNotFound`."""
    with sessions() as session:
        registration = session.scalar(
            registrations_for_views().where(Registration.number == number)
        )
        if registration is None:
            raise RegistrationNotFound.numbered(number)
        (view,) = with_priority(session, [registration_view(registration)])
        return view


def find_by_digest(
    sessions: sessionmaker[Session], algorithm: DigestAlgorithm, digest_hex: str
) -> list[RegistrationView]:
    """Every registration of content with this digest, oldest first.

    Raises :class:`InvalidDigest` for a malformed digest and :class:`DigestNotRegistered` when
    nothing matches.
    """
    digest = _digest_hex(algorithm, digest_hex)
    return _registrations_of_works(sessions, algorithm, digest, algorithm, algorithm)


def _digest_hex(algorithm: DigestAlgorithm, text: str) -> str:
    """``text`` as the lowercase hex the work rows hold; :class:`InvalidDigest` if malformed."""
    try:
        return parse_digest_hex(text).hex()
    except CryptoError as exc:
        raise InvalidDigest(str(exc), details={"algorithm": algorithm}) from exc


def find_by_cid(sessions: sessionmaker[Session], cid_text: str) -> list[RegistrationView]:
    """Every registration whose content has this IPFS CID (any multibase; stored as base32 v1)."""
    try:
        cid = parse_cid(cid_text)
    except ValueError as exc:
        raise InvalidDigest(f"not a CID: {exc}", details={"algorithm": "cid"}) from exc
    normalized = str(cid.set(version=1, base="base32"))
    return _registrations_of_works(sessions, "cid", normalized, "cid", "CID")


def find_by_isbn(sessions: sessionmaker[Session], isbn: str) -> list[RegistrationView]:
    """Every registration of a work with this ISBN (ISBN-10 or -13, hyphens allowed)."""
    normalized = normalize_isbn(isbn)
    return _registrations_of_works(sessions, "isbn", normalized, "isbn", "ISBN")


# Registrations of the works with one identifier, oldest first: one prepared Core select per
# identifier column (indexed), the value bound.
_ROWS_BY: dict[str, Select[Any]] = {
    name: REGISTRATION_ROWS.where(Work.__table__.c[name] == bindparam("value")).order_by(
        Registration.__table__.c.id
    )
    for name in ("sha256", "sm3", "cid", "isbn")
}


def _registrations_of_works(
    sessions: sessionmaker[Session],
    column: str,
    value: str,
    algorithm: str,
    label: str,
) -> list[RegistrationView]:
    """Registrations of the works whose ``column`` equals ``value``, oldest first, each with its
    priority; :class:`DigestNotRegistered` when there is none."""
    if column == "sha256":
        # Every registration of this content is among the rows, its claimants too: one select
        # on a pooled connection (no ORM session), the views made once per state of the rows.
        with rows_connection(sessions) as connection:
            rows = tuple(connection.execute(_ROWS_BY[column], {"value": value}))
        if not rows:
            raise _not_registered(value, algorithm, label)
        return list(views_of_content(rows))
    with sessions() as session:
        found = list(session.connection().execute(_ROWS_BY[column], {"value": value}))
        if not found:
            raise _not_registered(value, algorithm, label)
        return with_priority(session, [view_of_row(row) for row in found])


def sha256_rows_query() -> Select[Any]:
    """The select :func:`find_by_digest` runs for a SHA-256 (bound parameter ``value``)."""
    return _ROWS_BY["sha256"]


async def find_by_sha256_on_loop(lookups: LoopLookups, digest_hex: str) -> list[RegistrationView]:
    """:func:`find_by_digest` for a SHA-256, awaited on the event loop ``lookups`` serves: the
    same rows, made into views by the same function, and the same errors."""
    digest = _digest_hex("sha256", digest_hex)
    rows = tuple(await lookups.rows(value=digest))
    if not rows:
        raise _not_registered(digest, "sha256", "sha256")
    return list(views_of_content(rows))


def _not_registered(value: str, algorithm: str, label: str) -> DigestNotRegistered:
    return DigestNotRegistered(
        f"未找到 {label} 为 {value} 的登记作品 / no registered work has {label} {value}",
        details={"algorithm": algorithm, "digest": value},
    )


def rows_connection(sessions: sessionmaker[Session]) -> Connection:
    """A pooled connection of the sessions' engine, for Core selects that need no ORM session
    (a session costs as much again as the select it runs)."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("the session factory must be bound to one engine")
    return bind.connect()


@functools.lru_cache(maxsize=4096)
def views_of_content(rows: tuple[Row[Any], ...]) -> tuple[RegistrationView, ...]:
    """The views of every :data:`REGISTRATION_ROWS` row of some contents (all the registrations
    of each, in id order), each with its priority among its content's claimants.

    A pure function of the rows' values, so its result is kept per distinct rows: a platform
    asks for the same works again and again, and a registration whose state changes (anchored,
    taken down, restored, revoked, transferred) comes back as other values, hence a new entry.
    The views are shared between callers: they are frozen, and read, never changed."""
    views = [view_of_row(row) for row in rows]
    return tuple(views_with_claims(claims_from_rows(rows), views))


def find_registrations(
    sessions: sessionmaker[Session],
    *,
    sha256: str | None = None,
    sm3: str | None = None,
    cid: str | None = None,
    isbn: str | None = None,
    number: str | None = None,
) -> list[RegistrationView]:
    """Look content up by exactly one identifier: SHA-256, SM3, IPFS CID, ISBN or registration
    number."""
    named = (("sha256", sha256), ("sm3", sm3), ("cid", cid), ("isbn", isbn), ("number", number))
    given = {name: value for name, value in named if value}
    if len(given) != 1:
        raise InvalidDigest(
            "give exactly one of sha256, sm3, cid, isbn and number",
            details={"given": sorted(given)},
        )
    if number is not None:
        return [get_registration(sessions, number)]
    if isbn is not None:
        return find_by_isbn(sessions, isbn)
    if cid is not None:
        return find_by_cid(sessions, cid)
    if sha256 is not None:
        return find_by_digest(sessions, "sha256", sha256)
    if sm3 is None:  # excluded by the count of identifiers above
        raise InvalidDigest("give exactly one of sha256, sm3, cid and isbn")
    return find_by_digest(sessions, "sm3", sm3)


def find_by_file(sessions: sessionmaker[Session], content: BinaryIO) -> list[RegistrationView]:
    """Every registration of exactly this file's content (hashed here, in one streaming pass)."""
    digests = digest_stream(content)
    return find_by_digest(sessions, "sha256", digests.sha256_hex)


def check_proof(view: RegistrationView, client: ChainVerdicts | None = None) -> ProofCheck:
    """Check a registration's claim, Merkle path and (given a client) the chain's own verdict."""
    leaf = bytes.fromhex(view.leaf)
    leaf_matches = claim_leaf(view.claim) == leaf
    if view.proof is None or view.anchor is None:
        return ProofCheck(leaf_matches, proof_valid=False, chain_confirms=None)
    root = bytes.fromhex(view.anchor.root)
    proof = [bytes.fromhex(step) for step in view.proof]
    # A registration bound to a controller is anchored as the entry (leaf, controller).
    proof_valid = verify_proof(leaf, proof, root, controller=view.controller)
    if client is None:
        return ProofCheck(leaf_matches, proof_valid, chain_confirms=None)
    try:
        status = client.entry_status(leaf, proof, root, controller=view.controller)
    except ChainError as exc:
        raise ChainUnreachable(f"cannot ask the chain: {exc}") from exc
    return ProofCheck(
        leaf_matches,
        proof_valid,
        chain_confirms=status is RegistrationStatus.VALID,
        revoked=status is RegistrationStatus.REVOKED,
    )
