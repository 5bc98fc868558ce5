"""Chain-derived tables (assets, licences, liens, freezes) and the follower's checkpoints.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_assets",
        sa.Column("asset_id", sa.String(64), primary_key=True),
        sa.Column(
            "registration_id", sa.Integer(), sa.ForeignKey("registrations.id"), nullable=True
        ),
        sa.Column("owner", sa.String(42), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("registered_at", sa.BigInteger(), nullable=False),
        sa.Column("rights", sa.Integer(), nullable=False),
        sa.Column("territory", sa.Integer(), nullable=False),
        sa.Column("term_end", sa.BigInteger(), nullable=False),
        sa.Column("burned", sa.Boolean(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("tokenized_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_chain_assets_registration_id", "chain_assets", ["registration_id"])
    op.create_index("ix_chain_assets_owner", "chain_assets", ["owner"])
    op.create_table(
        "chain_licences",
        sa.Column("licence_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("licensee", sa.String(42), nullable=False),
        sa.Column("licensor", sa.String(42), nullable=False),
        sa.Column("rights", sa.Integer(), nullable=False),
        sa.Column("territory", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.BigInteger(), nullable=False),
        sa.Column("ends_at", sa.BigInteger(), nullable=False),
        sa.Column("exclusive", sa.Boolean(), nullable=False),
        sa.Column("revocable", sa.Boolean(), nullable=False),
        sa.Column("terms_digest", sa.String(64), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("granted_block", sa.BigInteger(), nullable=False),
        sa.Column("revoked_block", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_chain_licences_asset_id", "chain_licences", ["asset_id"])
    op.create_index("ix_chain_licences_licensee", "chain_licences", ["licensee"])
    op.create_table(
        "chain_liens",
        sa.Column("lien_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("lender", sa.String(42), nullable=False),
        sa.Column("owner", sa.String(42), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("currency_code", sa.String(3), nullable=False),
        sa.Column("maturity", sa.BigInteger(), nullable=False),
        sa.Column("official_registration_no", sa.String(64), nullable=False),
        sa.Column("licensing_consent", sa.Boolean(), nullable=False),
        sa.Column("enforced_to", sa.String(42), nullable=True),
        sa.Column("pledged_block", sa.BigInteger(), nullable=False),
        sa.Column("ended_block", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_chain_liens_asset_id", "chain_liens", ["asset_id"])
    op.create_index("ix_chain_liens_lender", "chain_liens", ["lender"])
    op.create_index("ix_chain_liens_status", "chain_liens", ["status"])
    op.create_table(
        "chain_freezes",
        sa.Column("target", sa.String(64), primary_key=True),
        sa.Column("authority", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(42), nullable=False),
        sa.Column("reason_digest", sa.String(64), nullable=False),
        sa.Column("frozen_block", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "chain_checkpoints",
        sa.Column("chain_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("contract_address", sa.String(42), primary_key=True),
        sa.Column("contract_name", sa.String(32), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(66), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("chain_checkpoints")
    op.drop_table("chain_freezes")
    op.drop_table("chain_liens")
    op.drop_table("chain_licences")
    op.drop_table("chain_assets")
