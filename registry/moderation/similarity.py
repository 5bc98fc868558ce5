"""The near-duplicate index of ISCC codes (Data-Code: the bytes; Content-Code: the text).

Each 64-bit code body is cut into four 16-bit segments, each indexed with the code's kind. Two
codes within Hamming distance ``d`` differ in at most ``d // 4`` bits of at least one segment
(pigeonhole), so the candidates are the rows whose segment ``n`` equals one of the values within
``d // 4`` bits of the query's segment ``n``, for some ``n``: four indexed ``IN`` probes. The
exact distance is then computed on the candidates. ``bench/near_duplicates.py`` measures it
against a linear scan.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import CompoundSelect, bindparam, insert, select, union
from sqlalchemy.orm import Session

from registry.core.models import SimilarityCode

KINDS = ("data", "content")
SEGMENTS = 4
SEGMENT_BITS = 16
MASK64 = (1 << 64) - 1
# Every registration indexes its codes: the statement is made once.
_INSERT_CODES = insert(SimilarityCode)


def code_bits(iscc: str | None) -> int | None:
    """The 64-bit body of an ``ISCC:…`` unit (2 header bytes, then 8 body bytes), unsigned."""
    if not iscc:
        return None
    text = iscc.removeprefix("ISCC:")
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError:
        return None
    if len(raw) != 10:
        return None
    return int.from_bytes(raw[2:], "big")


def segments(bits: int) -> tuple[int, int, int, int]:
    s = tuple((bits >> (SEGMENT_BITS * (SEGMENTS - 1 - n))) & 0xFFFF for n in range(SEGMENTS))
    return s[0], s[1], s[2], s[3]


def signed(bits: int) -> int:
    """Stored as a signed 64-bit integer (PostgreSQL's BIGINT)."""
    return bits - (1 << 64) if bits >= 1 << 63 else bits


def neighbours(value: int, radius: int) -> list[int]:
    """Every 16-bit value within ``radius`` bits of ``value``."""
    return [value ^ mask for mask in _flip_masks(radius)]


@functools.cache
def _flip_masks(radius: int) -> tuple[int, ...]:
    """The 16-bit masks of at most ``radius`` set bits, the empty one first."""
    masks = [0]
    for flips in range(1, radius + 1):
        for positions in combinations(range(SEGMENT_BITS), flips):
            mask = 0
            for p in positions:
                mask |= 1 << p
            masks.append(mask)
    return tuple(masks)


def index_work(
    session: Session, work_id: int, iscc_data: str | None, iscc_content: str | None
) -> None:
    """Index a work's ISCC codes in ``session``'s transaction (one row per code it has), with a
    Core insert: a registration writes them and nothing reads them back as objects."""
    rows = []
    for kind, iscc in (("data", iscc_data), ("content", iscc_content)):
        bits = code_bits(iscc)
        if bits is None:
            continue
        s0, s1, s2, s3 = segments(bits)
        rows.append(
            {"work_id": work_id, "kind": kind, "code": signed(bits),
             "seg0": s0, "seg1": s1, "seg2": s2, "seg3": s3}
        )  # fmt: skip
    if rows:
        session.connection().execute(_INSERT_CODES, rows)


@dataclass(frozen=True)
class NearMatch:
    work_id: int
    kind: str
    distance: int


def _near_query() -> CompoundSelect[int, int]:
    """One indexed probe per segment, united: with OR, SQLite without statistics (a database
    never analysed) scans every code instead of using the four (kind, segment) indexes. Built
    once, its values bound per search: building it cost as much as running it."""
    columns = (SimilarityCode.seg0, SimilarityCode.seg1, SimilarityCode.seg2, SimilarityCode.seg3)
    return union(
        *(
            select(SimilarityCode.work_id, SimilarityCode.code).where(
                SimilarityCode.kind == bindparam("kind"),
                column.in_(bindparam(f"seg{n}", expanding=True)),
            )
            for n, column in enumerate(columns)
        )
    )


_NEAR_QUERY = _near_query()


def near_codes(
    session: Session, kind: str, bits: int, max_distance: int, *, limit: int = 50
) -> list[NearMatch]:
    """Works whose ``kind`` code is within ``max_distance`` bits of ``bits``, nearest first."""
    radius = max_distance // SEGMENTS
    parameters: dict[str, object] = {"kind": kind}
    for n, value in enumerate(segments(bits)):
        parameters[f"seg{n}"] = neighbours(value, radius)
    matches: dict[int, NearMatch] = {}
    for work_id, code in session.execute(_NEAR_QUERY, parameters):
        distance = ((code & MASK64) ^ bits).bit_count()
        if distance <= max_distance:
            previous = matches.get(work_id)
            if previous is None or distance < previous.distance:
                matches[work_id] = NearMatch(work_id, kind, distance)
    return sorted(matches.values(), key=lambda m: (m.distance, m.work_id))[:limit]


def linear_near_codes(
    codes: Iterable[tuple[int, int]], bits: int, max_distance: int
) -> Iterator[tuple[int, int]]:
    """The baseline: every (work id, code) compared one by one."""
    for work_id, code in codes:
        distance = ((code & MASK64) ^ bits).bit_count()
        if distance <= max_distance:
            yield work_id, distance
