"""Catalogue files wait in the content store, not on one API process's disk: each item records
the staged content's root CID and its wrapped key; an item may carry its own idempotency key
(the command line's catalogues are jobs too).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Items staged on disk before this revision have no staged CID: they wait for their file
    # again (``pending``), which the job's owner sends as for any pending item.
    with op.batch_alter_table("catalogue_job_items") as table:
        table.add_column(sa.Column("staged_cid", sa.String(128), nullable=True))
        table.add_column(sa.Column("staged_key", sa.Text(), nullable=True))
        table.add_column(sa.Column("idempotency_key", sa.String(128), nullable=True))
    op.execute(
        "UPDATE catalogue_job_items SET state = 'pending', sha256 = NULL, size = NULL "
        "WHERE state = 'uploaded'"
    )
    op.execute("UPDATE catalogue_jobs SET pending = pending + uploaded, uploaded = 0")


def downgrade() -> None:
    with op.batch_alter_table("catalogue_job_items") as table:
        table.drop_column("idempotency_key")
        table.drop_column("staged_key")
        table.drop_column("staged_cid")
