"""A takedown's actor may be a chain address: a freeze made on chain alone, not through the
registry, is recorded with the account that froze (42 characters) as its actor.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("takedowns") as batch:
        batch.alter_column("frozen_by", type_=sa.String(64), existing_nullable=False)
        batch.alter_column("restored_by", type_=sa.String(64), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("takedowns") as batch:
        batch.alter_column("frozen_by", type_=sa.String(32), existing_nullable=False)
        batch.alter_column("restored_by", type_=sa.String(32), existing_nullable=True)
