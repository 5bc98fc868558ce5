"""The write locks of registry.core.database, on a real PostgreSQL: each section that must run
alone waits for its own lock only."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from registry.core.database import (
    WriteLock,
    create_database_engine,
    migrate,
    session_factory,
    take_write_lock,
)
from registry.proofs.external_anchoring import enqueue_anchored_batches

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_database_engine(database_url)
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def held_elsewhere(sessions: sessionmaker[Session], lock: WriteLock) -> bool:
    """Whether another transaction holds ``lock`` now (asked without waiting)."""
    with sessions() as session:
        free = session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": int(lock)})
        session.rollback()
        return not free


def test_a_lock_held_makes_the_same_section_wait_and_no_other(
    sessions: sessionmaker[Session],
) -> None:
    holding = sessions()
    holding.begin()
    try:
        take_write_lock(holding, WriteLock.FOLLOWER)
        assert held_elsewhere(sessions, WriteLock.FOLLOWER)
        others = [lock for lock in WriteLock if lock is not WriteLock.FOLLOWER]
        assert [lock for lock in others if held_elsewhere(sessions, lock)] == []
    finally:
        holding.rollback()
        holding.close()
    assert not held_elsewhere(sessions, WriteLock.FOLLOWER)


def test_the_external_chains_queue_is_filled_while_the_follower_works(
    sessions: sessionmaker[Session],
) -> None:
    """The two sections once shared a lock number: a long follower step held back the rows of
    newly anchored batches for the external chains."""
    holding = sessions()
    holding.begin()
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            take_write_lock(holding, WriteLock.FOLLOWER)
            filled = pool.submit(
                enqueue_anchored_batches, sessions, "backup", now=lambda: datetime.now(UTC)
            )
            done, _ = wait([filled], timeout=10)
        finally:
            holding.rollback()  # lets a waiting enqueue finish, so the pool can close
            holding.close()
    assert filled in done
    assert filled.result() == 0  # no batch anchored yet: nothing to queue
