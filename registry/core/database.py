"""Engines, sessions and migrations. Built at the entry point and passed down, never global."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum, unique
from importlib import resources
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def create_database_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    with sessions() as session, session.begin():
        yield session


@unique
class WriteLock(IntEnum):
    """banquan's advisory lock numbers, one per section that must run alone across processes:
    listed here so that no two sections share one by accident (``unique`` refuses a repeat)."""

    SEALER = 0x62616E7175616E  # "banquan": one sealer closes batches at a time
    SUBMITTER = SEALER + 1  # SQLite: one submitter sends anchoring transactions
    FOLLOWER = SEALER + 2  # one follower applies the chain's events
    WEBHOOK = SEALER + 3  # one dispatcher claims deliveries
    EXTERNAL_ENQUEUE = SEALER + 4  # rows for batches newly anchored, for the external chains
    WEBHOOK_SUBSCRIPTIONS = SEALER + 5  # a key's subscriptions counted and added as one step
    AUDIT = 0x62715F6D6F64  # "bq_mod": two appends never chain onto the same entry


def take_write_lock(session: Session, key: int) -> None:
    """Serialize this transaction with every other one taking the same lock, until it ends.

    PostgreSQL: a transaction-scoped advisory lock on ``key``. SQLite has one writer at a time
    anyway; a first write statement takes that lock now, before anything is read, so two
    transactions cannot both read the same state and then both act on it.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif dialect == "sqlite":
        session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 0"))


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Apply the Alembic migrations up to ``revision`` on ``engine``'s database.

    ``heads``: every branch (features developed side by side may each add a revision on the same
    parent; a later merge revision joins them).
    """
    # Alembic is needed only to migrate: imported here, not by every process using the database.
    from alembic import command
    from alembic.config import Config

    with resources.as_file(resources.files("migrations")) as script_location:
        config = Config()
        config.set_main_option("script_location", str(script_location))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
