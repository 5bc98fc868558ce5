"""ISBN of a work as its own indexed column (normalized ISBN-13), for lookups by ISBN.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("works") as batch:
        batch.add_column(sa.Column("isbn", sa.String(13), nullable=True))
        batch.create_index("ix_works_isbn", ["isbn"])
    works = sa.table(
        "works",
        sa.column("id", sa.Integer),
        sa.column("metadata_json", sa.Text),
        sa.column("isbn", sa.String),
    )
    connection = op.get_bind()
    for work_id, metadata_json in connection.execute(sa.select(works.c.id, works.c.metadata_json)):
        raw = json.loads(metadata_json).get("isbn")
        digits = "".join(c for c in str(raw or "") if c.isdigit() or c in "Xx")
        if len(digits) == 13:
            connection.execute(works.update().where(works.c.id == work_id).values(isbn=digits))


def downgrade() -> None:
    with op.batch_alter_table("works") as batch:
        batch.drop_index("ix_works_isbn")
        batch.drop_column("isbn")
