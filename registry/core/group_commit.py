"""Group commit: the units of work of many threads made durable by one transaction.

A registration is acknowledged only after its rows are committed, and a commit is a durable write
(SQLite's WAL fsync with ``synchronous=FULL``, PostgreSQL's WAL flush). Committed one by one,
concurrent registrations pay one durable write each and, on SQLite, queue for its single writer
lock (the busy handler sleeps between tries). Here each caller hands its unit of work to one
committer thread and waits; the committer runs every unit queued meanwhile in one transaction,
commits once and then wakes them all.

- a unit that raises costs the others of its batch nothing: the batch is rolled back and run
  again, each unit inside a savepoint of its own (the first run takes none: a savepoint per unit
  costs more than the rare second run), and the unit that raised is rolled back to its
  savepoint alone; its caller gets its exception once the others are committed. A unit may
  therefore run twice: it writes through the session it is given and nothing else;
- when the transaction itself fails (the commit, or a savepoint that cannot be rolled back),
  every caller of the batch gets that error: nothing of the batch is durable, none is
  acknowledged, and nothing is acknowledged in part.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from registry.core.database import take_write_lock
from registry.core.errors import DatabaseUnavailable

T = TypeVar("T")

# Units one transaction takes at most: bounds the time a batch holds the database's write lock.
MAX_BATCH = 256


class CommitterClosed(DatabaseUnavailable):
    """The committer was closed (the process is stopping): no more units of work are taken, and
    nothing of a refused one was recorded."""

    code = "shutting_down"

    def __init__(self) -> None:
        super().__init__(
            "服务正在停止，未记录任何内容，请重试 / shutting down: nothing was recorded, retry"
        )


class _UnitRaised(Exception):
    """A unit of a batch run without savepoints raised: the batch is to be run again."""


@dataclass
class _Pending(Generic[T]):
    work: Callable[[Session], T]
    done: threading.Event = field(default_factory=threading.Event)
    value: T | None = None
    error: BaseException | None = None


class GroupCommitter:
    """Runs units of work (``work(session) -> value``) from any thread in shared transactions.

    :meth:`run` returns once the unit's transaction is committed. The committer thread starts on
    first use and stops in :meth:`close`, after committing what was queued.
    """

    def __init__(self, sessions: sessionmaker[Session], *, max_batch: int = MAX_BATCH) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._queue: deque[_Pending[Any]] = deque()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in the next batch's transaction; its value once that is committed.

        Raises what ``work`` raised (nothing of it is kept), or the batch's error when its
        transaction failed (nothing of the batch is kept).
        """
        pending: _Pending[T] = _Pending(work)
        with self._condition:
            if self._closed:
                raise CommitterClosed()
            self._queue.append(pending)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._commit_batches, name="group-commit", daemon=True
                )
                self._thread.start()
            self._condition.notify()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.value  # type: ignore[return-value]

    def queued(self) -> int:
        """Units waiting for a batch (not counting the one being committed)."""
        with self._condition:
            return len(self._queue)

    def close(self) -> None:
        """Commit what is queued, then stop the committer thread; later :meth:`run` calls raise
        :class:`CommitterClosed`."""
        with self._condition:
            self._closed = True
            self._condition.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _commit_batches(self) -> None:
        try:
            while True:
                with self._condition:
                    while not self._queue and not self._closed:
                        self._condition.wait()
                    if not self._queue:
                        return  # closed, and everything queued is committed
                    count = min(len(self._queue), self._max_batch)
                    batch = [self._queue.popleft() for _ in range(count)]
                self._commit(batch)
        finally:
            # Also when the thread dies of an interrupt: nobody is left waiting for it.
            with self._condition:
                self._closed = True
                stranded = list(self._queue)
                self._queue.clear()
            for pending in stranded:
                pending.error = CommitterClosed()
                pending.done.set()

    def _commit(self, batch: list[_Pending[Any]]) -> None:
        try:
            try:
                refused = self._transaction(batch, savepoints=False)
            except _UnitRaised:  # again, each unit in a savepoint of its own
                refused = self._transaction(batch, savepoints=True)
        except BaseException as exc:
            for pending in batch:
                pending.value, pending.error = None, exc
            for pending in batch:
                pending.done.set()
            if not isinstance(exc, Exception):
                raise
            return
        for index, pending in enumerate(batch):
            if index in refused:
                pending.value, pending.error = None, refused[index]
            pending.done.set()

    def _transaction(
        self, batch: list[_Pending[Any]], *, savepoints: bool
    ) -> dict[int, BaseException]:
        """Run ``batch``'s units in one transaction and commit it; the units that raised, by
        their index. Without ``savepoints`` a unit that raises rolls back the transaction and
        :class:`_UnitRaised` is raised (nothing committed), unless the unit is alone in its
        batch."""
        refused: dict[int, BaseException] = {}
        with self._sessions() as session, session.begin():
            if session.get_bind().dialect.name == "sqlite":
                # Writer lock first; it also opens the transaction the savepoints nest in.
                take_write_lock(session, 0)
            for index, pending in enumerate(batch):
                savepoint = session.begin_nested() if savepoints else None
                try:
                    pending.value = pending.work(session)
                    session.flush()
                except Exception as exc:
                    # Raising from a rollback fails the whole batch (see _commit).
                    if savepoint is None:
                        if len(batch) > 1:
                            raise _UnitRaised from exc  # the transaction is rolled back
                        session.rollback()
                    else:
                        savepoint.rollback()
                    refused[index] = exc
                    continue
                if savepoint is not None:
                    savepoint.commit()
        return refused
