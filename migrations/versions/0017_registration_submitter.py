"""The API key that submitted each registration: publishers list their own works, download
their own private content and publish it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Registrations made before this revision (or from the command line) have no submitter:
    # only an admin key reaches their private content.
    with op.batch_alter_table("registrations") as table:
        table.add_column(sa.Column("submitted_by", sa.String(64), nullable=True))
        table.create_index("ix_registrations_submitted_by", ["submitted_by", "id"])


def downgrade() -> None:
    with op.batch_alter_table("registrations") as table:
        table.drop_index("ix_registrations_submitted_by")
        table.drop_column("submitted_by")
