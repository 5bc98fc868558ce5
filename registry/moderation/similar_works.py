"""Near-duplicate search for platforms: which registrations are close to an ISCC code, or to a
file (read for its codes, never stored).

The search uses the moderation's segment index of 64-bit ISCC Data-Codes (the bytes) and text
Content-Codes (the words; ``registry.moderation.similarity``). A registration matches when the
Hamming distance of either kind is within ``max_distance``; both distances are reported where
the query and the work each have that code. Held and rejected registrations are not registered
works and are never reported; taken-down ones are, flagged, since a platform needs to know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import iscc_core
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from registry.content import ByteStream, describe
from registry.core.errors import DistanceOutOfRange, InvalidInput, InvalidIscc
from registry.core.models import Registration, Work
from registry.core.states import REGISTRATION_WITHHELD
from registry.core.views import is_revocation
from registry.moderation.similarity import KINDS, MASK64, code_bits, near_codes

_BASE32 = re.compile(r"[A-Z2-7]{1,120}")
MAX_DISTANCE = 12  # beyond this a 64-bit code matches too much to mean "near"
MAX_LIMIT = 100
_CANDIDATES_PER_KIND = 5000  # near_codes' cut, before unregistered works are dropped


@dataclass(frozen=True)
class QueryCodes:
    """The 64-bit code bodies searched for, by kind (``data``, ``content``)."""

    codes: dict[str, str]  # kind → "ISCC:…" unit

    @property
    def bits(self) -> dict[str, int]:
        return {kind: bits for kind, code in self.codes.items() if (bits := code_bits(code))}


@dataclass(frozen=True)
class SimilarWork:
    """One registration near the query."""

    number: str
    title: str
    registrant: str | None
    distance: dict[str, int | None]  # kind → Hamming distance in bits (None: no such code)
    status: str  # pending, anchored
    taken_down: bool
    revoked: bool  # a regulator revoked it for good (taken_down is then true as well)


@dataclass(frozen=True)
class SimilarWorks:
    query: QueryCodes
    max_distance: int
    matches: list[SimilarWork]


def parse_iscc(text: str) -> QueryCodes:
    """The Data-Code and text Content-Code in ``text``: one 64-bit unit of either kind, or an
    ISCC-CODE holding at least one of them; :class:`InvalidIscc` otherwise."""
    given = text.strip().upper().removeprefix("ISCC:")
    if not _BASE32.fullmatch(given):
        raise InvalidIscc(
            "not an ISCC code: expected ISCC: and base32 (A–Z, 2–7)", details={"iscc": text[:200]}
        )
    given = f"ISCC:{given}"
    try:
        main_type = iscc_core.iscc_decode(given)[0]
        units = (
            [f"ISCC:{unit}" for unit in iscc_core.iscc_decompose(given)]
            if main_type == iscc_core.MT.ISCC
            else [iscc_core.iscc_normalize(given)]
        )
        decoded = [(unit, iscc_core.iscc_decode(unit)) for unit in units]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise InvalidIscc(f"not an ISCC code: {exc}", details={"iscc": text[:200]}) from exc
    codes: dict[str, str] = {}
    for unit, (main, sub, _v, _l, unit_body) in decoded:
        if len(unit_body) != 8:
            continue
        if main == iscc_core.MT.DATA:
            codes["data"] = unit
        elif main == iscc_core.MT.CONTENT and sub == iscc_core.ST_CC.TEXT:
            codes["content"] = unit
    if not codes:
        raise InvalidIscc(
            "the ISCC holds no 64-bit Data-Code or text Content-Code",
            details={"iscc": text[:200]},
        )
    return QueryCodes(codes)


def _check_bounds(max_distance: int, limit: int) -> None:
    if not 0 <= max_distance <= MAX_DISTANCE:
        raise DistanceOutOfRange(
            f"max_distance must be between 0 and {MAX_DISTANCE}",
            details={"max_distance": max_distance, "max": MAX_DISTANCE},
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}", details={"limit": limit, "max": MAX_LIMIT}
        )


def find_similar_works(
    sessions: sessionmaker[Session], iscc: str, *, max_distance: int = 6, limit: int = 20
) -> SimilarWorks:
    """Registrations whose Data-Code or Content-Code is within ``max_distance`` bits of the
    codes in ``iscc``, nearest first (at most ``limit``)."""
    _check_bounds(max_distance, limit)
    return _search(sessions, parse_iscc(iscc), max_distance, limit)


def find_works_similar_to_file(
    sessions: sessionmaker[Session],
    stream: ByteStream,
    *,
    max_bytes: int,
    max_distance: int = 6,
    limit: int = 20,
) -> SimilarWorks:
    """As :func:`find_similar_works`, for the codes of a file that is read and not kept."""
    _check_bounds(max_distance, limit)
    described = describe(stream, max_bytes=max_bytes)
    codes = {"data": described.iscc_data}
    if described.iscc_content:
        codes["content"] = described.iscc_content
    return _search(sessions, QueryCodes(codes), max_distance, limit)


def _search(
    sessions: sessionmaker[Session], query: QueryCodes, max_distance: int, limit: int
) -> SimilarWorks:
    wanted = query.bits
    with sessions() as session:
        work_ids: set[int] = set()
        for kind in KINDS:
            if kind in wanted:
                found = near_codes(
                    session, kind, wanted[kind], max_distance, limit=_CANDIDATES_PER_KIND
                )
                work_ids.update(match.work_id for match in found)
        if not work_ids:
            return SimilarWorks(query, max_distance, [])
        rows = session.execute(
            select(Registration, Work)
            .join(Work)
            .where(Work.id.in_(work_ids), Registration.status.not_in(REGISTRATION_WITHHELD))
        ).all()
        matches = [_match(registration, work, wanted) for registration, work in rows]
    matches.sort(key=_nearest_first)
    return SimilarWorks(query, max_distance, matches[:limit])


def _match(registration: Registration, work: Work, wanted: dict[str, int]) -> SimilarWork:
    theirs = {"data": code_bits(work.iscc_data), "content": code_bits(work.iscc_content)}
    distance: dict[str, int | None] = {}
    for kind in KINDS:
        mine, other = wanted.get(kind), theirs[kind]
        distance[kind] = None if mine is None or other is None else _hamming(mine, other)
    return SimilarWork(
        number=registration.number,
        title=work.title,
        registrant=registration.registrant,
        distance=distance,
        status=registration.status,
        taken_down=registration.takedown_json is not None,
        revoked=is_revocation(registration.takedown_json),
    )


def _hamming(a: int, b: int) -> int:
    return ((a ^ b) & MASK64).bit_count()


def _nearest_first(match: SimilarWork) -> tuple[int, str]:
    known = [d for d in match.distance.values() if d is not None]
    return (min(known) if known else 64, match.number)
