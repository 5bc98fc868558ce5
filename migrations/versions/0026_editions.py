"""Numbered editions (数字藏书) of registered works: editions, their issue batches (one Merkle
root each; an allow-list's copies are held once claimed), copies with their holders, gifts, and
the content keys wrapped to holders.

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "editions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contract_address", sa.String(42), nullable=False),
        sa.Column("chain_edition_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "registration_id", sa.Integer(), sa.ForeignKey("registrations.id"), nullable=False
        ),
        sa.Column("publisher", sa.String(42), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("metadata_cid", sa.String(200), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("territory", sa.Integer(), nullable=False),
        sa.Column("lock_after_issue", sa.BigInteger(), nullable=False),
        sa.Column("lock_after_gift", sa.BigInteger(), nullable=False),
        sa.Column("daily_gift_limit", sa.Integer(), nullable=False),
        sa.Column("sole", sa.Boolean(), nullable=False),
        sa.Column("create_tx", sa.String(66), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("contract_address", "chain_edition_id"),
    )
    op.create_index("ix_editions_registration_id", "editions", ["registration_id"])
    op.create_table(
        "edition_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("edition_id", sa.Integer(), sa.ForeignKey("editions.id"), nullable=False),
        sa.Column("batch_index", sa.Integer(), nullable=False),
        sa.Column("first_copy", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(66), nullable=False),
        sa.Column("allow_list", sa.Boolean(), nullable=False),
        sa.Column("issue_tx", sa.String(66), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("edition_id", "batch_index"),
    )
    op.create_table(
        "edition_copies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("edition_id", sa.Integer(), sa.ForeignKey("editions.id"), nullable=False),
        sa.Column("copy_number", sa.Integer(), nullable=False),
        sa.Column("batch_index", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gifted", sa.Boolean(), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("edition_id", "copy_number"),
    )
    op.create_index("ix_edition_copies_holder", "edition_copies", ["holder"])
    op.create_table(
        "edition_gifts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("edition_id", sa.Integer(), sa.ForeignKey("editions.id"), nullable=False),
        sa.Column("copy_number", sa.Integer(), nullable=False),
        sa.Column("from_address", sa.String(42), nullable=False),
        sa.Column("to_address", sa.String(42), nullable=False),
        sa.Column("gift_tx", sa.String(66), nullable=False, unique=True),
        sa.Column("gifted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_edition_gifts_edition_id", "edition_gifts", ["edition_id"])
    op.create_table(
        "edition_key_grants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("edition_id", sa.Integer(), sa.ForeignKey("editions.id"), nullable=False),
        sa.Column("copy_number", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("wrapped_json", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("edition_id", "copy_number", "recipient"),
    )


def downgrade() -> None:
    op.drop_table("edition_key_grants")
    op.drop_index("ix_edition_gifts_edition_id", table_name="edition_gifts")
    op.drop_table("edition_gifts")
    op.drop_index("ix_edition_copies_holder", table_name="edition_copies")
    op.drop_table("edition_copies")
    op.drop_table("edition_batches")
    op.drop_index("ix_editions_registration_id", table_name="editions")
    op.drop_table("editions")
