"""A revoked key's chain address is unbound from ``IdentityAttestations`` until the chain took
it: ``party_keys.unbind_pending`` is set with the revocation and cleared once sent, so an
address revoked while the chain could not be reached is unbound when it can. Every key revoked
before (and not a bare SM2 key) is marked, so the loop unbinds what may still be bound.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("party_keys") as batch:
        batch.add_column(
            sa.Column("unbind_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_party_keys_unbind_pending", ["unbind_pending"])
    op.execute(
        "UPDATE party_keys SET unbind_pending = TRUE WHERE revoked_at IS NOT NULL AND kind <> 'sm2'"
    )


def downgrade() -> None:
    with op.batch_alter_table("party_keys") as batch:
        batch.drop_index("ix_party_keys_unbind_pending")
        batch.drop_column("unbind_pending")
