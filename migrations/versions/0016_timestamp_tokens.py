"""RFC 3161 timestamp tokens over registration leaves (proof bundles version 2).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timestamp_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "leaf",
            sa.String(64),
            sa.ForeignKey("registrations.leaf"),
            nullable=False,
            unique=True,
        ),
        sa.Column("tsa", sa.String(500), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("gen_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("obtained_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("timestamp_tokens")
