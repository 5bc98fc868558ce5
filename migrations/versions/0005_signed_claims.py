"""Signed claims: how each registration's claim was signed, the signature, the registrant.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(
            sa.Column("signing_mode", sa.String(16), nullable=False, server_default="unsigned")
        )
        batch.add_column(sa.Column("signature", sa.Text(), nullable=True))
        batch.add_column(sa.Column("registrant", sa.String(200), nullable=True))
        batch.create_index("ix_registrations_registrant", ["registrant"])


def downgrade() -> None:
    with op.batch_alter_table("registrations") as batch:
        batch.drop_index("ix_registrations_registrant")
        batch.drop_column("registrant")
        batch.drop_column("signature")
        batch.drop_column("signing_mode")
