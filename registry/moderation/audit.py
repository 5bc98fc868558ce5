"""The moderation audit log: every hook result and human decision, hash-chained.

``digest = SHA-256(prev_digest ‖ RFC 8785 JSON of {at, actor, action, subject, payload})``, the
first entry's ``prev_digest`` being 64 zeros. Editing, inserting or deleting an entry changes
every later digest, which ``verify_audit_chain`` (``banquan audit verify``) detects. Entries are
kept at least ``BANQUAN_MODERATION_AUDIT_RETENTION_DAYS``; pruning older ones keeps the chain
verifiable from the first entry kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from crypto.canonical import canonical_json
from registry.core.database import WriteLock, take_write_lock, unit_of_work
from registry.core.models import ModerationAuditEntry
from registry.core.views import as_utc

GENESIS = "0" * 64
PRUNED = "audit.pruned"


def _moment(at: datetime) -> str:
    return as_utc(at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_digest(
    prev_digest: str,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    payload: Mapping[str, object],
) -> str:
    body = canonical_json(
        {
            "at": _moment(at),
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": dict(payload),
        }
    )
    return hashlib.sha256(bytes.fromhex(prev_digest) + body).hexdigest()


@dataclass(frozen=True)
class AuditLine:
    """An entry to append: who did what to which subject, with what payload."""

    actor: str
    action: str
    subject: str
    payload: Mapping[str, object]


def append_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: Mapping[str, object],
    at: datetime,
) -> str:
    """Add one entry in ``session``'s transaction, chained onto the last one; its digest."""
    return append_audits(session, [AuditLine(actor, action, subject, payload)], at=at)[0]


_INSERT_ENTRIES = insert(ModerationAuditEntry)


def append_audits(session: Session, lines: Sequence[AuditLine], *, at: datetime) -> list[str]:
    """Add ``lines`` in order in ``session``'s transaction, the first chained onto the last entry
    and each onto the one before: one lock, one read of the chain's head and one insert for all
    (a registration appends its hook results and its own entry together); their digests.

    The rows go in as one Core insert of many rows, in order, so ids follow the chain; what the
    session holds is flushed first, as the entries' own flush did when they were ORM objects."""
    if not lines:
        return []
    session.flush()
    take_write_lock(session, WriteLock.AUDIT)
    connection = session.connection()
    prev = connection.scalar(_HEAD) or GENESIS
    rows: list[dict[str, object]] = []
    digests: list[str] = []
    for line in lines:
        normalized = json.loads(json.dumps(dict(line.payload), ensure_ascii=False, default=str))
        digest = entry_digest(prev, at, line.actor, line.action, line.subject, normalized)
        rows.append(
            {
                "at": at,
                "actor": line.actor,
                "action": line.action,
                "subject": line.subject,
                "payload_json": json.dumps(normalized, ensure_ascii=False, sort_keys=True),
                "prev_digest": prev,
                "digest": digest,
            }
        )
        digests.append(digest)
        prev = digest
    connection.execute(_INSERT_ENTRIES, rows)
    return digests


_HEAD = select(ModerationAuditEntry.digest).order_by(ModerationAuditEntry.id.desc()).limit(1)


@dataclass(frozen=True)
class AuditVerification:
    entries: int
    valid: bool
    first_bad_id: int | None = None
    problem: str | None = None
    head_digest: str | None = None


def _entries(
    sessions: sessionmaker[Session], since: datetime | None = None, page: int = 1000
) -> Iterator[ModerationAuditEntry]:
    """Every entry in order, read a page at a time (no cursor stays open between pages)."""
    after = 0
    while True:
        with sessions() as session:
            query = (
                select(ModerationAuditEntry)
                .where(ModerationAuditEntry.id > after)
                .order_by(ModerationAuditEntry.id)
                .limit(page)
            )
            if since is not None:
                query = query.where(ModerationAuditEntry.at >= since)
            rows = list(session.scalars(query))
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].id


def verify_audit_chain(sessions: sessionmaker[Session]) -> AuditVerification:
    """Recompute every digest in order; the first entry that does not chain is reported. A log
    that does not start at the genesis must say where it was pruned (an ``audit.pruned`` entry
    naming the last removed digest), or its first entries count as removed."""
    count = 0
    prev: str | None = None
    first: ModerationAuditEntry | None = None
    pruned_at: set[str] = set()
    for entry in _entries(sessions):
        if prev is not None and entry.prev_digest != prev:
            return AuditVerification(count, False, entry.id, "does not chain onto the previous")
        payload = json.loads(entry.payload_json)
        recomputed = entry_digest(
            entry.prev_digest, entry.at, entry.actor, entry.action, entry.subject, payload
        )
        if recomputed != entry.digest:
            return AuditVerification(count, False, entry.id, "content does not match digest")
        if entry.action == PRUNED:
            pruned_at.add(str(payload.get("last_removed_digest")))
        first = first or entry
        prev = entry.digest
        count += 1
    if first is not None and first.prev_digest != GENESIS and first.prev_digest not in pruned_at:
        return AuditVerification(count, False, first.id, "earlier entries were removed")
    return AuditVerification(count, True, head_digest=prev)


def export_audit(
    sessions: sessionmaker[Session], *, since: datetime | None = None
) -> Iterator[str]:
    """The log as JSON lines (one entry each, with its digests), oldest first."""
    for entry in _entries(sessions, since):
        yield (
            json.dumps(
                {
                    "id": entry.id,
                    "at": _moment(entry.at),
                    "actor": entry.actor,
                    "action": entry.action,
                    "subject": entry.subject,
                    "payload": json.loads(entry.payload_json),
                    "prev_digest": entry.prev_digest,
                    "digest": entry.digest,
                },
                ensure_ascii=False,
            )
            + "\n"
        )


def prune_audit(
    sessions: sessionmaker[Session], *, retention_days: int, now: Callable[[], datetime]
) -> int:
    """Delete entries older than the retention period, and record where (an ``audit.pruned``
    entry naming the last removed digest); how many were removed."""
    at = now()
    cutoff = at - timedelta(days=retention_days)
    with unit_of_work(sessions) as session:
        take_write_lock(session, WriteLock.AUDIT)
        last_removed = session.scalar(
            select(ModerationAuditEntry)
            .where(ModerationAuditEntry.at < cutoff)
            .order_by(ModerationAuditEntry.id.desc())
            .limit(1)
        )
        if last_removed is None:
            return 0
        removed = session.execute(
            delete(ModerationAuditEntry).where(ModerationAuditEntry.id <= last_removed.id)
        )
        count = int(removed.rowcount)  # type: ignore[attr-defined]
        append_audit(
            session,
            actor="system",
            action=PRUNED,
            subject="audit",
            payload={
                "removed": count,
                "before": cutoff.isoformat(),
                "last_removed_digest": last_removed.digest,
            },
            at=at,
        )
        return count
