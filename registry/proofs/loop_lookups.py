"""Lookups by SHA-256 on the server's event loop, for PostgreSQL.

The busiest request a registry answers is "is this content registered?". On PostgreSQL a
lookup waits for a network round trip, so it cannot run on the event loop with a blocking
driver, and the hop to a worker thread and back costs several times the lookup itself (measured
here with 100 concurrent requests: about 0.85 ms of CPU a lookup through the thread pool and
SQLAlchemy, 0.1 ms with psycopg's asyncio connection awaited on the loop). SQLAlchemy's own
asyncio engine runs its sync core in greenlets and costs more than the thread pool.

So this module keeps a few psycopg asyncio connections (autocommit, read only) for one query,
the same :data:`~registry.core.views.REGISTRATION_ROWS` select the synchronous path runs,
compiled once by SQLAlchemy for PostgreSQL; its rows have the same names and values, and the
views are made from them by the same function. The connections belong to the event loop that
opened them (:meth:`LoopLookups.open`, from the application's lifespan): on any other loop
:meth:`LoopLookups.ready` is false and callers take the synchronous path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Select, make_url
from sqlalchemy.dialects import postgresql

from registry.core.errors import DATABASE_UNAVAILABLE, DatabaseUnavailable

# Connections held at most: enough to keep the database busy for one API process's share of a
# two-core machine; a request beyond them waits for one (on the loop, costing nothing).
CONNECTIONS = 8
# How these connections show in pg_stat_activity.
APPLICATION_NAME = "banquan-loop-lookups"


class LoopLookups:
    """Runs one select on psycopg asyncio connections of the event loop that opened it."""

    def __init__(self, database_url: str, query: Select[Any], *, size: int = CONNECTIONS) -> None:
        self._conninfo = (
            make_url(database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        compiled = query.compile(dialect=postgresql.psycopg.dialect())  # type: ignore[no-untyped-call]
        self._sql = str(compiled)
        self._params = dict(compiled.params)
        self._size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self.connections_opened = 0

    async def open(self) -> None:
        """Serve lookups on the running event loop from now on (no connection is made yet)."""
        self._loop = asyncio.get_running_loop()
        self._slots = asyncio.Semaphore(self._size)

    def ready(self) -> bool:
        """Whether lookups can be awaited on the running loop (the one that opened this)."""
        try:
            return self._loop is not None and asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    async def close(self) -> None:
        """Close the idle connections; later lookups are not ready until opened again."""
        idle, self._idle, self._loop = self._idle, [], None
        for connection in idle:
            await connection.close()

    async def rows(self, **values: object) -> Sequence[Any]:
        """The query's rows for ``values`` (its bound parameters), as named tuples.

        A kept connection the server has closed meanwhile (a restart) is replaced once, as the
        synchronous engine's ping does. Raises :class:`DatabaseUnavailable` when the database
        cannot be reached or fails.
        """
        if self._slots is None or not self.ready():
            raise RuntimeError("not opened on this event loop")
        parameters = {**self._params, **values}
        async with self._slots:
            while self._idle:
                kept = self._idle.pop()
                try:
                    return await self._run(kept, parameters)
                except psycopg.OperationalError:
                    continue  # closed by the server while idle: try the next, or a new one
            try:
                connection = await self._connect()
            except psycopg.Error as exc:
                raise _unavailable() from exc
            return await self._run(connection, parameters, last_try=True)

    async def _run(
        self,
        connection: psycopg.AsyncConnection[Any],
        parameters: dict[str, object],
        *,
        last_try: bool = False,
    ) -> Sequence[Any]:
        """The rows, the connection kept for the next lookup; on failure it is closed and not
        kept, and the error raised (as :class:`DatabaseUnavailable` on the ``last_try``)."""
        try:
            cursor = await connection.execute(self._sql, parameters)
            found = await cursor.fetchall()
        except psycopg.Error as exc:
            await connection.close()
            if last_try or not isinstance(exc, psycopg.OperationalError):
                raise _unavailable() from exc
            raise
        except BaseException:
            # Cancelled midway (the client went away, the server stops): the connection's state
            # is unknown, and awaiting anything more may be cancelled too. Closed at once.
            connection.pgconn.finish()
            raise
        self._idle.append(connection)
        return found

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        connection = await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            row_factory=namedtuple_row,
            connect_timeout=10,
            application_name=APPLICATION_NAME,
        )
        await connection.set_read_only(True)
        self.connections_opened += 1
        return connection


def _unavailable() -> DatabaseUnavailable:
    return DatabaseUnavailable(DATABASE_UNAVAILABLE)
