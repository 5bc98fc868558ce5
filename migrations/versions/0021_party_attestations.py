"""Identity attestations of parties (实名认证): an attestor's signed statement with a salted SM3
commitment to the party's identity, kept in the clear; the identity and salt sealed; the
transactions that record the commitment (and its revocation) on chain.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "party_attestations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("party_id", sa.Integer(), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False, unique=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("attestor", sa.String(200), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_identity", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("attest_tx", sa.String(66), nullable=True),
        sa.Column("revoke_tx", sa.String(66), nullable=True),
    )
    op.create_index("ix_party_attestations_party_id", "party_attestations", ["party_id"])


def downgrade() -> None:
    op.drop_index("ix_party_attestations_party_id", table_name="party_attestations")
    op.drop_table("party_attestations")
