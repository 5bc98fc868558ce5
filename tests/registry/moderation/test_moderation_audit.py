"""The moderation audit log: concurrent appends never fork the chain; export and pruning."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from registry.core.database import create_database_engine, migrate, session_factory, unit_of_work
from registry.core.models import ModerationAuditEntry
from registry.moderation.audit import (
    GENESIS,
    PRUNED,
    AuditLine,
    append_audit,
    append_audits,
    export_audit,
    prune_audit,
    verify_audit_chain,
)


def test_concurrent_appends_form_one_chain(database_url: str) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    sessions = session_factory(engine)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for m in range(5):
                with unit_of_work(sessions) as session:
                    append_audit(
                        session,
                        actor=f"moderator-{n}",
                        action="review.decided",
                        subject=f"review:{n}-{m}",
                        payload={"n": n, "m": m},
                        at=datetime.now(UTC),
                    )
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = verify_audit_chain(sessions)
    assert result.valid
    assert result.entries == 30
    lines = [json.loads(line) for line in export_audit(sessions)]
    assert lines[0]["prev_digest"] == GENESIS
    assert len({line["prev_digest"] for line in lines}) == 30  # no two entries share a parent
    engine.dispose()


def test_lines_appended_together_chain_in_order_among_concurrent_appends(
    database_url: str,
) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    sessions = session_factory(engine)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for m in range(4):
                with unit_of_work(sessions) as session:
                    if n % 2:
                        append_audit(
                            session, actor=f"moderator-{n}", action="review.decided",
                            subject=f"review:{n}-{m}", payload={"n": n}, at=datetime.now(UTC),
                        )  # fmt: skip
                        continue
                    lines = [AuditLine(f"hook:{k}", "hook.result", f"registration:{n}-{m}", {})
                             for k in range(3)]  # fmt: skip
                    assert append_audits(session, [], at=datetime.now(UTC)) == []
                    append_audits(session, lines, at=datetime.now(UTC))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = verify_audit_chain(sessions)
    assert (result.valid, result.entries) == (True, 3 * 4 + 3 * 4 * 3)
    # Each call's lines are consecutive, in the order given.
    subjects = [json.loads(line)["subject"] for line in export_audit(sessions)]
    actors = [json.loads(line)["actor"] for line in export_audit(sessions)]
    for index, subject in enumerate(subjects):
        if actors[index] == "hook:0":
            assert subjects[index : index + 3] == [subject] * 3
            assert actors[index : index + 3] == ["hook:0", "hook:1", "hook:2"]
    engine.dispose()


def test_pruning_keeps_the_rest_of_the_chain_verifiable(database_url: str) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    sessions = session_factory(engine)
    now = datetime(2026, 11, 27, tzinfo=UTC)
    with unit_of_work(sessions) as session:
        for days in (400, 200, 10, 1):
            append_audit(
                session,
                actor="m",
                action="takedown",
                subject="registration:BQ-2026-00000001",
                payload={"days": days},
                at=now - timedelta(days=days),
            )
    assert prune_audit(sessions, retention_days=180, now=lambda: now) == 2
    result = verify_audit_chain(sessions)
    assert (result.valid, result.entries) == (True, 3)
    with unit_of_work(sessions) as session:  # removing the oldest kept entry is noticed
        session.execute(delete(ModerationAuditEntry).where(ModerationAuditEntry.action != PRUNED))
    broken = verify_audit_chain(sessions)
    assert (broken.valid, broken.problem) == (False, "earlier entries were removed")
    engine.dispose()
