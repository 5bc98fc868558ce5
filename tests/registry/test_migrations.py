"""The Alembic migrations build exactly the tables of registry.models, on SQLite and PostgreSQL."""

from __future__ import annotations

from importlib import resources

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from registry.database import create_database_engine, migrate
from registry.models import Base


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    before = sorted(inspect(engine).get_table_names())
    migrate(engine)
    assert sorted(inspect(engine).get_table_names()) == before
    assert {"works", "registrations", "batches", "alembic_version"} <= set(before)
    engine.dispose()


def test_the_migrations_have_one_head() -> None:
    """Branches developed side by side are joined by a merge revision before they land."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
