"""Lookups by SHA-256 awaited on an event loop (PostgreSQL): the same answers as the
synchronous path, on the loop that opened them only, and a database that went away told as such."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from sqlalchemy import Connection, make_url, text

from registry.core.errors import DatabaseUnavailable, DigestNotRegistered, InvalidDigest
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime
from registry.proofs.loop_lookups import APPLICATION_NAME, LoopLookups
from registry.proofs.verification import (
    find_by_digest,
    find_by_sha256_on_loop,
    sha256_rows_query,
)
from tests.conftest import POSTGRES_URL, free_port

T = TypeVar("T")
POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def on_loop(lookups: LoopLookups, scenario: Callable[[], Awaitable[T]]) -> T:
    """Run ``scenario`` on a new event loop that opens ``lookups`` first and closes them after."""

    async def run() -> T:
        await lookups.open()
        try:
            return await scenario()
        finally:
            await lookups.close()

    return asyncio.run(run())


def lookups_of(runtime: Runtime) -> LoopLookups:
    lookups = runtime.loop_lookups
    assert lookups is not None
    return lookups


@POSTGRES_ONLY
def test_the_loop_gives_what_the_synchronous_path_gives(runtime: Runtime) -> None:
    content = "同一作品 " * 100
    for title in ("第一位登记人的书名", "第二位登记人的书名"):  # two claimants of one content
        runtime.registrar.register(io.BytesIO(content.encode()), WorkMetadata(title=title))
    runtime.registrar.register(io.BytesIO(b"another work"), WorkMetadata(title="another"))
    sha256 = hashlib.sha256(content.encode()).hexdigest()
    lookups = lookups_of(runtime)

    async def ask() -> tuple[list[object], list[object]]:
        return (
            list(await find_by_sha256_on_loop(lookups, sha256)),
            list(await find_by_sha256_on_loop(lookups, sha256.upper())),
        )

    found, found_upper = on_loop(lookups, ask)
    expected = find_by_digest(runtime.sessions, "sha256", sha256)
    assert len(expected) == 2
    assert found == found_upper == expected
    assert lookups.connections_opened == 1  # one connection, kept between lookups


@POSTGRES_ONLY
def test_bad_and_unknown_digests_are_refused_as_on_the_synchronous_path(runtime: Runtime) -> None:
    lookups = lookups_of(runtime)
    unknown = "ab" * 32
    with pytest.raises(DigestNotRegistered) as on_the_loop:
        on_loop(lookups, lambda: find_by_sha256_on_loop(lookups, unknown))
    with pytest.raises(DigestNotRegistered) as in_a_thread:
        find_by_digest(runtime.sessions, "sha256", unknown)
    assert on_the_loop.value.details == in_a_thread.value.details
    with pytest.raises(InvalidDigest):
        on_loop(lookups, lambda: find_by_sha256_on_loop(lookups, "xyz"))


@POSTGRES_ONLY
def test_lookups_serve_only_the_loop_that_opened_them(runtime: Runtime) -> None:
    lookups = lookups_of(runtime)
    assert not lookups.ready()  # never opened
    opened_on = asyncio.new_event_loop()
    try:
        opened_on.run_until_complete(lookups.open())

        async def elsewhere() -> bool:
            return lookups.ready()

        assert not asyncio.run(elsewhere())
        with pytest.raises(RuntimeError):
            asyncio.run(lookups.rows(value="ab" * 32))
        assert opened_on.run_until_complete(elsewhere())
        opened_on.run_until_complete(lookups.close())
        assert not opened_on.run_until_complete(elsewhere())
    finally:
        opened_on.close()


@POSTGRES_ONLY
def test_a_connection_the_server_closed_is_replaced(runtime: Runtime) -> None:
    lookups = lookups_of(runtime)
    unknown = "cd" * 32

    async def ask_twice_with_a_restart_between() -> list[int]:
        counts = [len(await lookups.rows(value=unknown))]
        # What a database restart does to a kept connection: the server ends its session.
        with runtime.engine.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :name"
                ),
                {"name": APPLICATION_NAME},
            )
        counts.append(len(await lookups.rows(value=unknown)))
        return counts

    assert on_loop(lookups, ask_twice_with_a_restart_between) == [0, 0]
    assert lookups.connections_opened == 2


@POSTGRES_ONLY
def test_a_lookup_cancelled_midway_closes_its_connection(runtime: Runtime) -> None:
    lookups = lookups_of(runtime)
    unknown = "ef" * 32

    async def cancel_one_then_ask_again() -> int:
        with runtime.engine.connect() as blocker:
            blocker.execute(text("LOCK TABLE works IN ACCESS EXCLUSIVE MODE"))  # the select waits
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(lookups.rows(value=unknown), timeout=0.5)
            blocker.rollback()
        return len(await lookups.rows(value=unknown))

    assert on_loop(lookups, cancel_one_then_ask_again) == 0
    assert lookups.connections_opened == 2  # the cancelled one was not kept
    with runtime.engine.connect() as observer:  # nor left open: the server ends its session
        deadline = time.monotonic() + 10
        while (still := ours(observer)) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert still == 0


def ours(connection: Connection) -> int:
    """Sessions of loop lookups the server still holds."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
    return int(connection.execute(query, {"name": APPLICATION_NAME}).scalar_one())


def test_a_database_that_cannot_be_reached_is_told_unavailable() -> None:
    url = make_url(POSTGRES_URL).set(port=free_port()).render_as_string(hide_password=False)
    lookups = LoopLookups(url, sha256_rows_query())
    with pytest.raises(DatabaseUnavailable) as refused:
        on_loop(lookups, lambda: lookups.rows(value="ab" * 32))
    assert refused.value.code == "database_unavailable"
    assert "127.0.0.1" not in refused.value.message  # the driver's text names hosts: not told
    assert lookups.connections_opened == 0
