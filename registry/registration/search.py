"""Use case: find registered works by ISBN, DCI, title or author (登记查询).

Every registration's searchable terms are kept in ``work_search_terms`` (written with the
registration, in the same transaction, whichever way it was registered): its ISBN-13, its DCI,
its title and each author's name. Titles and names are normalised — NFKC (full-width letters
and digits become ASCII), case-folded, runs of white space made one space — and cut to
:data:`TERM_LENGTH` characters; a query is normalised the same way, so a title or author query
matches every work whose title or an author's name *starts with* it, whatever the case of Latin
letters, and a Chinese prefix (``三体``) matches as it is. ISBNs and DCIs match exactly.

The terms are indexed on ``(kind, term)``: an ISBN or DCI is an equality, a prefix a
``LIKE 'x%'`` range with ``%``, ``_`` and the escape character escaped (on PostgreSQL the index
uses ``varchar_pattern_ops``, so the range uses it whatever the database's collation).

The answer is the public summary of each registration: number, title, authors, ISBN, DCI, the
registering party's public name, when it was registered and anchored, its status, and whether a
takedown is in force (a taken-down work is found and says so). Registrations moderation keeps
back (held, rejected) are not offered, as they are not offered as similar works.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, insert, select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from registry.core.errors import InvalidIsbn, InvalidSearch
from registry.core.isbn import normalize_isbn
from registry.core.models import Registration, WorkSearchTerm
from registry.core.priority import priorities_of
from registry.core.record_json import JsonRecord
from registry.core.states import REGISTRATION_WITHHELD, RegistrationStatus
from registry.core.views import PartyRef, Priority, as_utc, is_revocation

# The longest stored term; a longer title or name is kept by its first characters (a prefix
# query is at most this long, so it matches exactly the titles and names that start with it).
TERM_LENGTH = 200
MAX_LIMIT = 100
KINDS = ("isbn", "dci", "title", "author")
PREFIX_KINDS = frozenset({"title", "author"})
ESCAPE = "/"
# Every registration writes its terms: the statement is made once.
_INSERT_TERMS = insert(WorkSearchTerm)


def normalize_text(text: str) -> str:
    """A title or a name as it is searched: NFKC, case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def search_terms(metadata: Mapping[str, object]) -> set[tuple[str, str]]:
    """The ``(kind, term)`` pairs a work is found by, from its metadata document (as stored)."""
    terms: set[tuple[str, str]] = set()
    isbn = metadata.get("isbn")
    if isinstance(isbn, str) and isbn:
        terms.add(("isbn", isbn))
    dci = metadata.get("dci")
    if isinstance(dci, str) and dci:
        terms.add(("dci", dci.strip().upper()))
    title = metadata.get("title")
    if isinstance(title, str) and normalize_text(title):
        terms.add(("title", normalize_text(title)[:TERM_LENGTH]))
    authors = metadata.get("authors")
    for author in authors if isinstance(authors, list) else ():
        if isinstance(author, str) and normalize_text(author):
            terms.add(("author", normalize_text(author)[:TERM_LENGTH]))
    return terms


def index_registration(
    session: Session, registration_id: int, metadata: Mapping[str, object]
) -> None:
    """Record the search terms of a registration being made (in its transaction)."""
    rows = [
        {"registration_id": registration_id, "kind": kind, "term": term}
        for kind, term in sorted(search_terms(metadata))
    ]
    if rows:
        session.connection().execute(_INSERT_TERMS, rows)


@dataclass(frozen=True)
class WorkSummary(JsonRecord):
    """A registration as a search shows it to anyone: no content, no claim, no keys."""

    number: str
    title: str
    authors: tuple[str, ...]
    isbn: str | None
    dci: str | None
    party: PartyRef | None
    registered_at: datetime
    anchored_at: datetime | None
    status: str
    taken_down: bool
    revoked: bool  # a regulator revoked it for good (taken_down is then true as well)
    # Who registered the same content first (a later claim is found too, and says so).
    priority: Priority | None = None


@dataclass(frozen=True)
class SearchPage(JsonRecord):
    """One page of matches, oldest registration first."""

    kind: str
    query: str  # as normalised: the ISBN-13, the DCI, or the case-folded prefix
    works: list[WorkSummary]
    next_after: int | None  # pass as ``after`` for the next page; None on the last page


@dataclass(frozen=True)
class SearchQuery:
    """A checked query: its kind and its normalised term."""

    kind: str
    term: str


def parse_query(
    *,
    isbn: str | None = None,
    dci: str | None = None,
    title: str | None = None,
    author: str | None = None,
) -> SearchQuery:
    """Exactly one of the four, normalised; :class:`InvalidSearch` otherwise (a wrong ISBN check
    digit too, ``details.field = "isbn"``)."""
    given = {
        kind: value
        for kind, value in (("isbn", isbn), ("dci", dci), ("title", title), ("author", author))
        if value is not None
    }
    if len(given) != 1:
        raise InvalidSearch(
            "请给出 isbn、dci、title、author 之一 / give exactly one of isbn, dci, title, author",
            details={"given": sorted(given)},
        )
    [(kind, value)] = given.items()
    if kind == "isbn":
        try:
            return SearchQuery(kind, normalize_isbn(value))
        except InvalidIsbn as exc:
            raise InvalidSearch(
                f"ISBN 无效（长度或校验位错误）/ not a valid ISBN (length or check digit): {value}",
                details={"field": "isbn", "isbn": value},
            ) from exc
    term = value.strip().upper() if kind == "dci" else normalize_text(value)
    if not term:
        raise InvalidSearch(f"查询内容为空 / the {kind} query is empty", details={"field": kind})
    if len(term) > TERM_LENGTH:
        raise InvalidSearch(
            f"查询过长（至多 {TERM_LENGTH} 字符）/ the {kind} query is longer than "
            f"{TERM_LENGTH} characters",
            details={"field": kind, "max_length": TERM_LENGTH},
        )
    return SearchQuery(kind, term)


def like_prefix(term: str) -> str:
    """A ``LIKE`` pattern (escape character :data:`ESCAPE`) matching what starts with ``term``."""
    escaped = term.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return escaped + "%"


def matching_ids(query: SearchQuery, *, after: int, limit: int) -> Select[int]:
    """The ids of the registrations ``query`` finds, from cursor ``after``, ``limit`` of them."""
    condition: ColumnElement[bool]
    if query.kind in PREFIX_KINDS:
        condition = WorkSearchTerm.term.like(like_prefix(query.term), escape=ESCAPE)
    else:
        condition = WorkSearchTerm.term == query.term
    return (
        select(WorkSearchTerm.registration_id)
        .join(Registration, Registration.id == WorkSearchTerm.registration_id)
        .where(
            WorkSearchTerm.kind == query.kind,
            condition,
            WorkSearchTerm.registration_id > after,
            Registration.status.not_in(REGISTRATION_WITHHELD),
        )
        .distinct()
        .order_by(WorkSearchTerm.registration_id)
        .limit(limit)
    )


def search_works(
    sessions: sessionmaker[Session],
    *,
    isbn: str | None = None,
    dci: str | None = None,
    title: str | None = None,
    author: str | None = None,
    limit: int = 20,
    after: int = 0,
) -> SearchPage:
    """Registered works by exactly one of ISBN (10 or 13, hyphens allowed), DCI, title prefix or
    author prefix, oldest first, ``limit`` (1–100) at a time from cursor ``after``.

    Raises :class:`InvalidSearch` for a query that is missing, ambiguous, empty, too long, an
    ISBN with a wrong check digit, or a limit or cursor out of range. No match is an empty page.
    """
    query = parse_query(isbn=isbn, dci=dci, title=title, author=author)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidSearch(
            f"limit 应在 1 到 {MAX_LIMIT} 之间 / limit must be 1 to {MAX_LIMIT}",
            details={"field": "limit", "limit": limit},
        )
    if after < 0:
        raise InvalidSearch(
            "after 不能为负 / after cannot be negative", details={"field": "after", "after": after}
        )
    with sessions() as session:
        ids = list(session.scalars(matching_ids(query, after=after, limit=limit + 1)))
        more = len(ids) > limit
        ids = ids[:limit]
        rows = (
            session.scalars(
                select(Registration)
                .options(
                    joinedload(Registration.work),
                    joinedload(Registration.batch),
                    joinedload(Registration.party),
                )
                .where(Registration.id.in_(ids))
                .order_by(Registration.id)
            )
            .unique()
            .all()
        )
        priorities = priorities_of(session, [(row.number, row.work.sha256) for row in rows])
        works = [_summary(row, priorities.get(row.number)) for row in rows]
    return SearchPage(
        kind=query.kind,
        query=query.term,
        works=works,
        next_after=ids[-1] if more else None,
    )


def _summary(registration: Registration, priority: Priority | None) -> WorkSummary:
    metadata = json.loads(registration.work.metadata_json)
    authors = metadata.get("authors")
    batch = registration.batch
    anchored = registration.status == RegistrationStatus.ANCHORED and batch is not None
    return WorkSummary(
        number=registration.number,
        title=registration.work.title,
        authors=tuple(str(a) for a in authors) if isinstance(authors, list) else (),
        isbn=registration.work.isbn,
        dci=metadata.get("dci") if isinstance(metadata.get("dci"), str) else None,
        party=(
            PartyRef(registration.party.party_id, registration.party.public_name)
            if registration.party is not None
            else None
        ),
        registered_at=as_utc(registration.created_at),
        anchored_at=(
            as_utc(batch.anchored_at)
            if anchored and batch is not None and batch.anchored_at
            else None
        ),
        status=registration.status,
        taken_down=registration.takedown_json is not None,
        revoked=is_revocation(registration.takedown_json),
        priority=priority,
    )
