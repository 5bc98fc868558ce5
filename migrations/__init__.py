"""Alembic migrations for every table in ``registry.models`` (the same on SQLite and PostgreSQL)."""
