"""Content identifiers of works: IPFS CID and ISCC codes (the store is addressed by CID).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("works") as batch:
        batch.add_column(sa.Column("cid", sa.String(100), nullable=True))
        batch.add_column(sa.Column("iscc_data", sa.String(40), nullable=True))
        batch.add_column(sa.Column("iscc_instance", sa.String(40), nullable=True))
        batch.drop_column("content_ref")
        batch.create_index("ix_works_cid", ["cid"])


def downgrade() -> None:
    with op.batch_alter_table("works") as batch:
        batch.drop_index("ix_works_cid")
        batch.add_column(
            sa.Column("content_ref", sa.String(200), nullable=False, server_default="")
        )
        batch.drop_column("iscc_instance")
        batch.drop_column("iscc_data")
        batch.drop_column("cid")
