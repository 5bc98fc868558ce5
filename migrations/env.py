"""Alembic environment: runs on the connection handed over by ``registry.core.database.migrate``,
or, from the ``alembic`` command line, on the database named by banquan's settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from registry.core.database import create_database_engine
from registry.core.models import Base
from registry.core.settings import Settings


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_database_engine(Settings().resolved_database_url)
    with engine.begin() as own_connection:
        _run(own_connection)
    engine.dispose()


run_migrations_online()
