"""Group commit on real SQLite and PostgreSQL: concurrent registrations are durable once
acknowledged, share commits, and a failed batch acknowledges none of its registrations."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.core.database import create_database_engine, session_factory
from registry.core.group_commit import CommitterClosed, GroupCommitter
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration
from registry.core.views import RegistrationView
from registry.platform.runtime import Runtime

METADATA = WorkMetadata(title="围城", authors=("钱锺书",), language="zh")


def register(runtime: Runtime, n: int) -> RegistrationView:
    """One registration through the runtime's registrar (the one the API and the CLI use)."""
    return runtime.registrar.register(io.BytesIO(f"围城 第{n}稿".encode()), METADATA)


def registered_numbers(runtime: Runtime) -> set[str]:
    """The registration numbers a new connection sees: what is committed, nothing cached."""
    engine = create_database_engine(runtime.settings.resolved_database_url)
    try:
        with session_factory(engine)() as session:
            return set(session.scalars(select(Registration.number)))
    finally:
        engine.dispose()


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@contextmanager
def held(committer: GroupCommitter) -> Iterator[None]:
    """Keep the committer busy with a batch of its own until the block ends, so that whatever is
    submitted meanwhile is queued and committed as one batch right after."""
    started, release = threading.Event(), threading.Event()

    def hold(session: Session) -> None:
        session.execute(text("SELECT 1"))  # a transaction of its own on either database
        started.set()
        release.wait(60)

    with ThreadPoolExecutor(max_workers=1) as pool:
        holding = pool.submit(committer.run, hold)
        assert started.wait(60)
        try:
            yield
        finally:
            release.set()
            holding.result(60)


def create_commit_guard(runtime: Runtime) -> None:
    """A table whose deferred foreign key a row can violate so that only COMMIT fails (both
    databases check deferred constraints at commit, not at the savepoint's release)."""
    with runtime.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE commit_guard (id INTEGER PRIMARY KEY, parent INTEGER "
                "REFERENCES commit_guard (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )


def violate_at_commit(session: Session) -> None:
    session.execute(text("INSERT INTO commit_guard (id, parent) VALUES (1, 999)"))


def test_concurrent_registrations_are_durable_when_acknowledged(runtime: Runtime) -> None:
    acknowledged: list[tuple[str, set[str]]] = []

    def register_and_look(n: int) -> None:
        view = register(runtime, n)
        # Right after the acknowledgement, another connection already sees the registration.
        acknowledged.append((view.number, registered_numbers(runtime)))

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(register_and_look, range(36)))
    assert len({number for number, _ in acknowledged}) == 36
    for number, seen in acknowledged:
        assert number in seen
    assert len(registered_numbers(runtime)) == 36


def test_registrations_queued_during_a_commit_share_the_next_one(runtime: Runtime) -> None:
    commits: list[int] = []
    event.listen(runtime.engine, "commit", lambda _connection: commits.append(1))
    committer = runtime.committer
    with ThreadPoolExecutor(max_workers=10) as pool:
        with held(committer):
            futures = [pool.submit(register, runtime, n) for n in range(10)]
            wait_until(lambda: committer.queued() == 10)
            before = len(commits)
        views = [future.result(60) for future in futures]
    # The holding batch's commit, then one commit for all ten registrations.
    assert len(commits) - before == 2
    assert {view.number for view in views} == registered_numbers(runtime)
    assert len({view.number for view in views}) == 10


def test_a_failed_batch_acknowledges_none_of_its_registrations(runtime: Runtime) -> None:
    create_commit_guard(runtime)
    committer = runtime.committer
    with ThreadPoolExecutor(max_workers=9) as pool:
        with held(committer):
            futures: list[Future[object]] = [pool.submit(register, runtime, n) for n in range(8)]
            wait_until(lambda: committer.queued() == 8)
            futures.append(pool.submit(committer.run, violate_at_commit))
            wait_until(lambda: committer.queued() == 9)
        for future in futures:
            with pytest.raises(IntegrityError):
                future.result(60)
    assert registered_numbers(runtime) == set()
    with runtime.sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM commit_guard")) == 0
    # The committer goes on: the next registration is committed.
    number = register(runtime, 99).number
    assert registered_numbers(runtime) == {number}


def test_a_refused_unit_costs_the_others_of_its_batch_nothing(runtime: Runtime) -> None:
    runs: list[int] = []

    def refused(session: Session) -> None:
        runs.append(1)
        session.execute(text("UPDATE registrations SET status = 'rejected'"))
        raise ValueError("refused")

    committer = runtime.committer
    with ThreadPoolExecutor(max_workers=7) as pool:
        with held(committer):
            futures = [pool.submit(register, runtime, n) for n in range(3)]
            wait_until(lambda: committer.queued() == 3)
            failing = pool.submit(committer.run, refused)
            wait_until(lambda: committer.queued() == 4)
            futures += [pool.submit(register, runtime, n) for n in range(3, 6)]
            wait_until(lambda: committer.queued() == 7)
        with pytest.raises(ValueError, match="refused"):
            failing.result(60)
        views = [future.result(60) for future in futures]
    assert {view.number for view in views} == registered_numbers(runtime)
    with runtime.sessions() as session:
        statuses = set(session.scalars(select(Registration.status)))
        assert statuses == {"pending"}  # the refused unit's update was rolled back alone
        assert session.scalar(select(func.count()).select_from(Registration)) == 6
    # The batch ran without savepoints first; the refusal rolled it back, and it ran again with
    # one for each unit: every unit ran twice, each registration is committed once (above).
    assert len(runs) == 2


def test_a_refused_unit_alone_in_its_batch_leaves_nothing_and_the_next_commits(
    runtime: Runtime,
) -> None:
    # A lone unit runs without a savepoint: its refusal rolls back the whole transaction.
    def refused(session: Session) -> None:
        session.execute(text("UPDATE registrations SET status = 'rejected'"))
        raise ValueError("refused")

    first = register(runtime, 0)
    with pytest.raises(ValueError, match="refused"):
        runtime.committer.run(refused)
    second = register(runtime, 1)
    assert registered_numbers(runtime) == {first.number, second.number}
    with runtime.sessions() as session:
        assert set(session.scalars(select(Registration.status))) == {"pending"}


def test_close_commits_what_is_queued_then_refuses(runtime: Runtime) -> None:
    committer = GroupCommitter(runtime.sessions)
    with ThreadPoolExecutor(max_workers=4) as pool:
        with held(committer):
            futures = [pool.submit(committer.run, lambda s, n=n: n) for n in range(3)]
            wait_until(lambda: committer.queued() == 3)
            closing = pool.submit(committer.close)
        closing.result(60)
        assert [future.result(60) for future in futures] == [0, 1, 2]
    with pytest.raises(CommitterClosed):
        committer.run(lambda _session: None)
