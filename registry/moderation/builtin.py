"""The built-in hooks: digest blocklist, copyright conflict (exact duplicates marked as later
claims, ISCC near-duplicates held), and the sensitive-word lexicon."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import ahocorasick  # type: ignore[import-not-found]
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session, sessionmaker

from registry.content import parse_cid
from registry.core.database import unit_of_work
from registry.core.errors import BlocklistEntryNotFound, InvalidDigest, InvalidLexicon
from registry.core.models import BlocklistEntry, Registration, Work, WorkSearchTerm
from registry.core.states import RegistrationStatus
from registry.core.views import as_utc
from registry.moderation.audit import append_audit
from registry.moderation.hooks import HookContext, HookResult, Subject, Verdict
from registry.moderation.similarity import KINDS, code_bits, near_codes

MAX_REPORTED_MATCHES = 100

# ------------------------------------------------------------------------------------ blocklist

BLOCKLIST_ALGORITHMS = ("sha256", "sm3", "cid")


@dataclass(frozen=True)
class BlocklistView:
    id: int
    algorithm: str
    value: str
    reason: str
    added_by: str | None
    added_at: datetime


def _view(entry: BlocklistEntry) -> BlocklistView:
    return BlocklistView(
        entry.id, entry.algorithm, entry.value, entry.reason, entry.added_by, as_utc(entry.added_at)
    )


def _normalized(algorithm: str, value: str) -> str:
    value = value.strip()
    if algorithm in ("sha256", "sm3"):
        lowered = value.lower()
        if len(lowered) != 64 or any(c not in "0123456789abcdef" for c in lowered):
            raise InvalidDigest(
                f"a {algorithm} digest is 64 hexadecimal characters",
                details={"algorithm": algorithm, "digest": value},
            )
        return lowered
    if algorithm == "cid":
        try:
            return str(parse_cid(value).set(base="base32"))
        except ValueError as exc:
            raise InvalidDigest(
                "not a CID", details={"algorithm": algorithm, "digest": value}
            ) from exc
    raise InvalidDigest(
        f"unknown algorithm {algorithm!r}", details={"known": list(BLOCKLIST_ALGORITHMS)}
    )


def add_blocklist_entry(
    sessions: sessionmaker[Session],
    *,
    algorithm: str,
    value: str,
    reason: str,
    added_by: str | None,
    now: Callable[[], datetime],
) -> BlocklistView:
    """List a digest or CID (again: an existing entry is returned unchanged)."""
    normalized = _normalized(algorithm, value)
    with unit_of_work(sessions) as session:
        existing = session.scalar(
            select(BlocklistEntry).where(
                BlocklistEntry.algorithm == algorithm, BlocklistEntry.value == normalized
            )
        )
        if existing is not None:
            return _view(existing)
        at = now()
        entry = BlocklistEntry(
            algorithm=algorithm, value=normalized, reason=reason, added_by=added_by, added_at=at
        )
        session.add(entry)
        session.flush()
        append_audit(
            session,
            actor=added_by or "system",
            action="blocklist.added",
            subject=f"blocklist:{entry.id}",
            payload={"algorithm": algorithm, "value": normalized, "reason": reason},
            at=at,
        )
        return _view(entry)


def list_blocklist(sessions: sessionmaker[Session], *, limit: int = 1000) -> list[BlocklistView]:
    with sessions() as session:
        entries = session.scalars(select(BlocklistEntry).order_by(BlocklistEntry.id).limit(limit))
        return [_view(e) for e in entries]


def remove_blocklist_entry(
    sessions: sessionmaker[Session],
    entry_id: int,
    *,
    removed_by: str | None,
    now: Callable[[], datetime],
) -> None:
    with unit_of_work(sessions) as session:
        entry = session.get(BlocklistEntry, entry_id)
        if entry is None:
            raise BlocklistEntryNotFound(f"no blocklist entry {entry_id}", details={"id": entry_id})
        append_audit(
            session,
            actor=removed_by or "system",
            action="blocklist.removed",
            subject=f"blocklist:{entry.id}",
            payload={"algorithm": entry.algorithm, "value": entry.value},
            at=now(),
        )
        session.delete(entry)


# Built once (building it cost as much as running it), the digests bound per check.
_LISTED = select(BlocklistEntry).where(
    or_(
        *(
            (BlocklistEntry.algorithm == algorithm) & (BlocklistEntry.value == bindparam(algorithm))
            for algorithm in BLOCKLIST_ALGORITHMS
        )
    )
)


class BlocklistHook:
    """Rejects content whose SHA-256, SM3 or CID moderators listed."""

    name = "blocklist"

    def check(self, subject: Subject, context: HookContext) -> HookResult:
        # Without a CID its parameter is NULL, which equals no value: that probe finds nothing.
        wanted = {"sha256": subject.sha256, "sm3": subject.sm3, "cid": subject.cid or None}
        listed = list(context.session.scalars(_LISTED, wanted))
        if not listed:
            return HookResult(self.name, Verdict.ACCEPT)
        return HookResult(
            self.name,
            Verdict.REJECT,
            score=1.0,
            reasons=tuple(f"{e.algorithm} is blocklisted: {e.reason}" for e in listed),
            details={"entries": [{"id": e.id, "algorithm": e.algorithm} for e in listed]},
        )


# ---------------------------------------------------------------------------- copyright conflict


def _same_claimant(subject: Subject, party: int | None, registrant: str | None) -> bool:
    """A registration of the subject's party is the same claimant, whichever of the party's keys
    signed it; without a party on either side, the same registrant key is."""
    if subject.party is not None and party is not None:
        return subject.party == party
    return registrant is not None and registrant == subject.registrant


def _same_publisher(
    subject: Subject, party: int | None, registrant: str | None, submitted_by: str | None
) -> bool:
    """One publisher, for an ISBN and for near-duplicates: the same claimant, or without a party
    or a signature on either side the same submitter — its API key, or the command line (the
    operator) for both. (Exact duplicates keep priority's claimants, ``registry.core.priority``,
    so that the hook and every face name the same later claimants.)"""
    if _same_claimant(subject, party, registrant):
        return True
    if subject.party is not None or party is not None or registrant is not None:
        return False
    return subject.registrant == (f"key:{submitted_by}" if submitted_by else None)


# The registrations of the same content, in the order the registry recorded them (priority's
# order: a client-signed claim's time is its own to state): built once, the digest bound.
_SAME_CONTENT = (
    select(
        Registration.number,
        Registration.registrant,
        Registration.party_id,
        Registration.takedown_json.is_not(None),
    )
    .join(Work)
    .where(
        Work.sha256 == bindparam("sha256"),
        Registration.status != RegistrationStatus.REJECTED,
    )
    .order_by(Registration.id)
)


# Other content registered under the same ISBN or DCI (a search term of that kind: the ISBN-13,
# the DCI upper-cased, as the metadata stores them) and let through by moderation, oldest first
# (kind and identifier bound per check): a squatter's held registration holds nobody else's.
_SAME_IDENTIFIER = (
    select(
        Registration.number,
        Registration.registrant,
        Registration.party_id,
        Registration.submitted_by,
    )
    .join(Work)
    .join(WorkSearchTerm, WorkSearchTerm.registration_id == Registration.id)
    .where(
        WorkSearchTerm.kind == bindparam("kind"),
        WorkSearchTerm.term == bindparam("term"),
        Work.sha256 != bindparam("sha256"),
        Registration.status.in_((RegistrationStatus.PENDING, RegistrationStatus.ANCHORED)),
    )
    .order_by(Registration.id)
)
# The identifiers that name one work of one holder: an ISBN (assigned to a publisher by the ISBN
# agency) and a DCI (assigned to a work by the copyright protection centre). An ISSN names a
# serial, many works, so it is not one.
_WORK_IDENTIFIERS = ("isbn", "dci")


class ConflictHook:
    """Copyright conflicts with other claimants (parties).

    An exact duplicate (same SHA-256) of a work another party registered is *accepted* (its time
    is evidence too) and marked as a later claim: the result names the prior registrations and
    ``later_claimant`` (the verification answers compute the order, ``registry.core.priority``).
    ISCC near-duplicates of another party's works (Data-Code or Content-Code within
    ``max_distance`` bits) are held for review, and so is other content under an ISBN or a DCI
    another party registered: each is one holder's (the ISBN agency assigns an ISBN to a
    publisher, the copyright protection centre a DCI to a work), and a lookup by it must not
    name whoever claimed it first unchecked. Content a takedown or a revocation withdrew is held
    too, whoever registers it again: a new number must not bring it back unreviewed."""

    name = "conflict"

    def __init__(self, max_distance: int) -> None:
        self.max_distance = max_distance

    def check(self, subject: Subject, context: HookContext) -> HookResult:
        session = context.session
        same_content = session.execute(_SAME_CONTENT, {"sha256": subject.sha256}).all()
        exact = [
            {"number": number, "registrant": registrant}
            for number, registrant, party, _withdrawn in same_content
            if not _same_claimant(subject, party, registrant)
        ]
        # Whoever registers it again, its party's or another's: a new number must not bring
        # back unreviewed what a takedown or a revocation withdrew.
        taken_down = [
            {"number": number, "registrant": registrant}
            for number, registrant, _party, withdrawn in same_content
            if withdrawn
        ][:MAX_REPORTED_MATCHES]
        near: list[dict[str, object]] = []
        for kind, iscc in zip(KINDS, (subject.iscc_data, subject.iscc_content), strict=True):
            bits = code_bits(iscc)
            if bits is None:
                continue
            matches = near_codes(session, kind, bits, self.max_distance)
            if not matches:
                continue
            distances = {m.work_id: m.distance for m in matches}
            rows = session.execute(
                select(
                    Registration.number,
                    Registration.registrant,
                    Registration.party_id,
                    Registration.submitted_by,
                    Work.id,
                )
                .join(Work)
                .where(
                    Work.id.in_(distances),
                    Work.sha256 != subject.sha256,
                    Registration.status != RegistrationStatus.REJECTED,
                )
            )
            for number, registrant, party, submitted_by, work_id in rows:
                if not _same_publisher(subject, party, registrant, submitted_by):
                    near.append({"number": number, "kind": kind, "distance": distances[work_id]})
        same = {
            kind: _same_identifier(session, subject, kind, identifier)
            for kind in _WORK_IDENTIFIERS
            if isinstance(identifier := subject.metadata.get(kind), str) and identifier
        }
        if not exact and not near and not any(same.values()) and not taken_down:
            return HookResult(self.name, Verdict.ACCEPT)
        reasons = []
        if exact:
            reasons.append(
                "later claimant: the same content was registered earlier by another party "
                f"({exact[0]['number']})"
            )
        if taken_down:
            reasons.append(f"the same content is taken down ({taken_down[0]['number']})")
        if near:
            reasons.append("near-duplicate of registered works (ISCC)")
        for kind, holders in same.items():
            if holders:
                reasons.append(
                    f"{kind.upper()} {subject.metadata[kind]} was registered by another party "
                    f"with other content ({holders[0]['number']})"
                )
        near.sort(key=lambda m: (int(str(m["distance"])), str(m["number"])))
        details = {
            "exact": exact,
            "near": near,
            "same_isbn": same.get("isbn", []),
            "same_dci": same.get("dci", []),
            "taken_down": taken_down,
            "max_distance": self.max_distance,
            "later_claimant": bool(exact),
        }
        if near or any(same.values()) or taken_down:
            return HookResult(
                self.name, Verdict.HOLD, score=1.0, reasons=tuple(reasons), details=details
            )
        return HookResult(self.name, Verdict.ACCEPT, reasons=tuple(reasons), details=details)


def _same_identifier(
    session: Session, subject: Subject, kind: str, identifier: str
) -> list[dict[str, object]]:
    """Other parties' registrations (let through by moderation, earliest first) of other content
    under the subject's ISBN or DCI (``kind``)."""
    rows = session.execute(
        _SAME_IDENTIFIER, {"kind": kind, "term": identifier, "sha256": subject.sha256}
    )
    others: list[dict[str, object]] = [
        {"number": number, "registrant": registrant}
        for number, registrant, party, submitted_by in rows
        if not _same_publisher(subject, party, registrant, submitted_by)
    ]
    return others[:MAX_REPORTED_MATCHES]


# -------------------------------------------------------------------------------------- lexicon


@dataclass(frozen=True)
class LexiconTerm:
    term: str
    category: str
    source: str


class Lexicon:
    """Sensitive words from UTF-8 files: one term per line, optionally ``term<TAB>category``;
    ``#`` starts a comment line. Matching ignores case (Chinese and English alike)."""

    def __init__(self, terms: Sequence[LexiconTerm]) -> None:
        self.size = len(terms)
        self._automaton = ahocorasick.Automaton()
        for term in terms:
            self._automaton.add_word(term.term.lower(), term)
        if terms:
            self._automaton.make_automaton()

    @classmethod
    def load(cls, paths: Sequence[Path]) -> Lexicon:
        terms: list[LexiconTerm] = []
        for path in paths:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InvalidLexicon(
                    f"lexicon {path} cannot be read: {exc}", details={"file": str(path)}
                ) from exc
            for number, line in enumerate(text.splitlines(), start=1):
                stripped = line.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                fields = [f.strip() for f in line.split("\t")]
                if len(fields) > 2 or not fields[0] or (len(fields) == 2 and not fields[1]):
                    raise InvalidLexicon(
                        f"lexicon {path}, line {number}: expected 'term' or 'term<TAB>category'",
                        details={"file": str(path), "line": number},
                    )
                category = fields[1] if len(fields) == 2 else "sensitive"
                terms.append(LexiconTerm(fields[0], category, str(path)))
        return cls(terms)

    def matches(self, text: str, field: str) -> list[dict[str, object]]:
        if not self.size:
            return []
        found: list[dict[str, object]] = []
        for end, term in self._automaton.iter(text.lower()):
            found.append(
                {
                    "term": term.term,
                    "category": term.category,
                    "field": field,
                    "start": end - len(term.term) + 1,
                    "end": end + 1,
                }
            )
            if len(found) >= MAX_REPORTED_MATCHES:
                break
        return found


def _metadata_texts(subject: Subject) -> list[tuple[str, str]]:
    texts = [("title", subject.title)]
    for key, value in sorted(subject.metadata.items()):
        if key == "title":
            continue
        if isinstance(value, str):
            texts.append((f"metadata.{key}", value))
        elif isinstance(value, list):
            texts.extend(
                (f"metadata.{key}[{n}]", v) for n, v in enumerate(value) if isinstance(v, str)
            )
        elif value is not None:
            texts.append((f"metadata.{key}", json.dumps(value, ensure_ascii=False)))
    return texts


class LexiconHook:
    """Holds (or rejects, by configuration) text or metadata containing lexicon terms, with
    every match's field and position (characters)."""

    name = "lexicon"

    def __init__(self, lexicon: Lexicon, verdict: Verdict = Verdict.HOLD) -> None:
        self.lexicon = lexicon
        self.verdict = verdict

    def check(self, subject: Subject, context: HookContext) -> HookResult:
        found: list[dict[str, object]] = []
        for field, text in _metadata_texts(subject):
            found.extend(self.lexicon.matches(text, field))
        content_text = subject.text.get()
        if content_text:
            found.extend(self.lexicon.matches(content_text, "content"))
        if not found:
            return HookResult(self.name, Verdict.ACCEPT)
        categories = sorted({str(m["category"]) for m in found})
        return HookResult(
            self.name,
            self.verdict,
            score=1.0,
            reasons=tuple(f"lexicon terms found ({c})" for c in categories),
            details={"matches": found[:MAX_REPORTED_MATCHES]},
        )
