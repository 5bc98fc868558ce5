"""Private works: what the store holds (ciphertext CID), the cipher, publication, content keys.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("works") as batch:
        batch.add_column(sa.Column("stored_cid", sa.String(100), nullable=True))
        batch.add_column(sa.Column("encryption", sa.String(16), nullable=True))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "content_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("work_id", sa.Integer(), sa.ForeignKey("works.id"), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("wrapped_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("work_id", "holder"),
    )
    op.create_index("ix_content_keys_work_id", "content_keys", ["work_id"])


def downgrade() -> None:
    op.drop_table("content_keys")
    with op.batch_alter_table("works") as batch:
        batch.drop_column("published_at")
        batch.drop_column("encryption")
        batch.drop_column("stored_cid")
