"""Alembic migrations for every table in ``registry.core.models`` (the same on SQLite and
PostgreSQL)."""
