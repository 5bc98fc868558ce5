"""Priority between claimants of the same content: who registered these bytes first.

For a registration: every registration of the same SHA-256 that is not rejected, grouped by
party (a registration of no party is its registrant key's, or its own), each party represented
by its earliest registration, in the order the registry recorded them. The first is the prior
claim; the others are later claimants. Registering the same bytes again never moves a party
forward, and a registration of the first party is first, whichever of its keys signed it.

The order is the registration id's (the serial of the registration number): the database
numbers each registration as the registry records it (the group committer records them one
after another, ``registry.core.group_commit``), an order no registrant chooses. It is not the
``registered_at`` time: a claim the registrant signs itself states that time (within
``CLOCK_TOLERANCE`` of the registry's clock, ``registry.registration.claims``), and dating a
claim back must not put its registrant before a registration the registry received earlier.
The claimants' ``registered_at`` are shown as recorded (a client-signed claim's is the time it
states).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import Session

from registry.core.models import Batch, Party, Registration, Work
from registry.core.states import RegistrationStatus
from registry.core.views import Claimant, Priority, RegistrationView, as_utc, is_revocation

# Keeps each IN (...) list well under every database's parameter limit.
QUERY_CHUNK = 500


@dataclasses.dataclass(frozen=True)
class _Claims:
    """The claimants of one content, in priority order, and each registration's claimant."""

    claimants: list[Claimant]
    claimant_of: dict[str, int]  # registration number → index in ``claimants``


_registrations = Registration.__table__
_works = Work.__table__
_batches = Batch.__table__
_parties = Party.__table__

# The claimants of some contents: built once, run with the digests bound (an expanding IN).
_CLAIM_ROWS: Select[Any] = (
    select(
        _works.c.sha256,
        _registrations.c.id.label("row_id"),
        _registrations.c.number,
        _registrations.c.registrant,
        _registrations.c.status,
        _registrations.c.created_at,
        _registrations.c.takedown_json,
        _parties.c.id.label("party_row"),
        _parties.c.party_id,
        _parties.c.public_name,
        _batches.c.anchored_at,
    )
    .select_from(
        _registrations.join(_works, _registrations.c.work_id == _works.c.id)
        .outerjoin(_parties, _registrations.c.party_id == _parties.c.id)
        .outerjoin(_batches, _registrations.c.batch_id == _batches.c.id)
    )
    .where(
        _works.c.sha256.in_(bindparam("digests", expanding=True)),
        _registrations.c.status != RegistrationStatus.REJECTED,
    )
    .order_by(_registrations.c.id)  # the order recorded, never the time a claim states
)


def _claims_of(session: Session, digests: Sequence[str]) -> dict[str, _Claims]:
    rows: list[Row[Any]] = []
    unique = sorted(set(digests))
    session.flush()  # what the session holds counts, as an ORM query's autoflush would have it
    connection = session.connection()
    for start in range(0, len(unique), QUERY_CHUNK):
        chunk = unique[start : start + QUERY_CHUNK]
        rows.extend(connection.execute(_CLAIM_ROWS, {"digests": chunk}))
    return claims_from_rows(rows)


def claims_from_rows(rows: Iterable[Row[Any]]) -> dict[str, _Claims]:
    """The claims of each content (SHA-256) among ``rows``: every registration of those
    contents, each row with ``sha256``, ``row_id``, ``number``, ``registrant``, ``status``,
    ``created_at``, ``takedown_json``, ``party_row``, ``party_id``, ``public_name`` and
    ``anchored_at`` (as :data:`registry.core.views.REGISTRATION_ROWS` has them), in any order;
    rejected registrations are left out here. Ordered by ``row_id``, the order the registry
    recorded them (see the module's docstring): ``created_at`` is only shown."""
    claims: dict[str, _Claims] = {}
    keys: dict[str, dict[tuple[str, object], int]] = {}
    ordered = sorted(
        (row for row in rows if row.status != RegistrationStatus.REJECTED),
        key=lambda row: int(row.row_id),
    )
    for row in ordered:
        sha = row.sha256
        registrant = row.registrant
        found = claims.setdefault(sha, _Claims([], {}))
        index_of_key = keys.setdefault(sha, {})
        key: tuple[str, object] = (
            ("party", row.party_row)
            if row.party_row is not None
            else ("registrant", registrant)
            if registrant is not None
            else ("registration", row.row_id)
        )
        if key not in index_of_key:
            index_of_key[key] = len(found.claimants)
            status = row.status
            anchored_at = row.anchored_at
            anchored = status == RegistrationStatus.ANCHORED and anchored_at is not None
            found.claimants.append(
                Claimant(
                    number=row.number,
                    claimant=row.public_name if row.public_name is not None else registrant,
                    party=row.party_id,
                    registered_at=as_utc(row.created_at),
                    anchored_at=as_utc(anchored_at) if anchored and anchored_at else None,
                    status=status,
                    taken_down=row.takedown_json is not None,
                    revoked=is_revocation(row.takedown_json),
                )
            )
        found.claimant_of[row.number] = index_of_key[key]
    return claims


def priority_in(claims: _Claims, number: str) -> Priority:
    first, *later = claims.claimants
    return Priority(first=first, later=tuple(later), is_first=claims.claimant_of.get(number) == 0)


def with_priority(session: Session, views: Sequence[RegistrationView]) -> list[RegistrationView]:
    """``views``, each with its :class:`Priority` (None when every registration of its content
    is rejected), in a query per 500 distinct contents."""
    return views_with_claims(_claims_of(session, [view.sha256 for view in views]), views)


def priorities_of(
    session: Session, registrations: Sequence[tuple[str, str]]
) -> dict[str, Priority]:
    """The priority of each ``(number, sha256)`` registration among the claimants of its
    content, by number (none for a content whose every registration was rejected), in a query
    per 500 distinct contents."""
    claims = _claims_of(session, [sha256 for _number, sha256 in registrations])
    return {
        number: priority_in(claims[sha256], number)
        for number, sha256 in registrations
        if sha256 in claims
    }


def views_with_claims(
    claims: dict[str, _Claims], views: Sequence[RegistrationView]
) -> list[RegistrationView]:
    """``views``, each with its priority among ``claims`` (from :func:`claims_from_rows`)."""
    return [
        dataclasses.replace(view, priority=priority_in(claims[view.sha256], view.number))
        if view.sha256 in claims
        else view
        for view in views
    ]


def prior_claim(session: Session, sha256: str, number: str, work_id: int) -> Claimant | None:
    """The first registration of content ``sha256`` when registration ``number`` (of work
    ``work_id``, flushed in ``session``) belongs to a later claimant; None when its party
    registered it first."""
    # Nearly always new content: no other work has it, and one indexed probe says so.
    if session.connection().scalar(_OTHER_WORK, {"sha256": sha256, "work_id": work_id}) is None:
        return None
    claims = _claims_of(session, [sha256]).get(sha256)
    if claims is None:
        return None
    priority = priority_in(claims, number)
    return None if priority.is_first else priority.first


_OTHER_WORK = (
    select(_works.c.id)
    .where(_works.c.sha256 == bindparam("sha256"), _works.c.id != bindparam("work_id"))
    .limit(1)
)
