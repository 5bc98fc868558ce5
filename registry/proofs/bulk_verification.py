"""Use case: platforms check many digests at once (a catalogue, a day's uploads)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, Select, bindparam
from sqlalchemy.orm import Session, sessionmaker

from crypto.digests import parse_digest_hex
from crypto.errors import CryptoError
from registry.core.errors import InvalidDigest
from registry.core.models import Registration, Work
from registry.core.priority import with_priority
from registry.core.views import (
    REGISTRATION_ROWS,
    RegistrationView,
    counts_as_registered,
    view_of_row,
)
from registry.proofs.verification import DigestAlgorithm, rows_connection, views_of_content

MAX_BULK_DIGESTS = 5000
# Keeps each IN (...) list well under every database's parameter limit.
QUERY_CHUNK = 500

# One query per chunk of digests: an IN on the indexed digest column, the chunk bound.
_ROWS_IN: dict[str, Select[Any]] = {
    name: REGISTRATION_ROWS.where(
        Work.__table__.c[name].in_(bindparam("digests", expanding=True))
    ).order_by(Registration.__table__.c.id)
    for name in ("sha256", "sm3")
}


@dataclass(frozen=True)
class BulkResult:
    """For each digest as given, in order (repeats kept): its registrations (empty if none; a
    digest whose registrations were all rejected is listed with them, and not registered);
    ``errors`` says, by position, why a malformed digest could not be looked up."""

    algorithm: DigestAlgorithm
    items: list[tuple[str, list[RegistrationView]]]
    errors: dict[int, InvalidDigest] = field(default_factory=dict)

    @property
    def registered(self) -> int:
        """How many digests are registered (:func:`counts_as_registered`)."""
        return sum(1 for _digest, views in self.items if counts_as_registered(views))


def verify_digests(
    sessions: sessionmaker[Session], algorithm: DigestAlgorithm, digests: Sequence[str]
) -> BulkResult:
    """Look up to ``MAX_BULK_DIGESTS`` digests in a few indexed queries.

    Each digest is answered on its own: a malformed one gets its error (in ``errors``, by
    position) and the others are looked up; an empty or oversized request is refused whole.
    """
    if not digests:
        raise InvalidDigest("give at least one digest", details={"algorithm": algorithm})
    if len(digests) > MAX_BULK_DIGESTS:
        raise InvalidDigest(
            f"at most {MAX_BULK_DIGESTS} digests per request",
            details={"given": len(digests), "max": MAX_BULK_DIGESTS},
        )
    normalized: list[str | None] = []
    errors: dict[int, InvalidDigest] = {}
    for position, text in enumerate(digests):
        try:
            normalized.append(parse_digest_hex(text).hex())
        except (CryptoError, TypeError) as exc:
            normalized.append(None)
            errors[position] = InvalidDigest(
                f"digest {position} is malformed: {exc}",
                details={"algorithm": algorithm, "position": position},
            )
    by_digest: dict[str, list[RegistrationView]] = {}
    unique = sorted({digest for digest in normalized if digest is not None})
    if algorithm == "sha256":
        # Every registration of these contents is among the rows, their claimants too: each
        # content's rows (in id order) make its views, as a single lookup does.
        rows_of: dict[str, list[Row[Any]]] = {}
        with rows_connection(sessions) as connection:
            for start in range(0, len(unique), QUERY_CHUNK):
                chunk = unique[start : start + QUERY_CHUNK]
                for row in connection.execute(_ROWS_IN[algorithm], {"digests": chunk}):
                    rows_of.setdefault(row.sha256, []).append(row)
        for digest, rows in rows_of.items():
            by_digest[digest] = list(views_of_content(tuple(rows)))
    else:
        with sessions() as session:
            connection = session.connection()
            for start in range(0, len(unique), QUERY_CHUNK):
                chunk = unique[start : start + QUERY_CHUNK]
                rows = list(connection.execute(_ROWS_IN[algorithm], {"digests": chunk}))
                for view in with_priority(session, [view_of_row(row) for row in rows]):
                    by_digest.setdefault(view.sm3, []).append(view)
    items = [
        (given, by_digest.get(norm, []) if norm is not None else [])
        for given, norm in zip(digests, normalized, strict=True)
    ]
    return BulkResult(algorithm=algorithm, items=items, errors=errors)
