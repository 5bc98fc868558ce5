"""The controller of a registration: the chain address of the registering party (a claim the
registrant signed with its own secp256k1 key), bound into the anchored Merkle entry so that
only that party can authorize minting its rights asset.

Registrations made before this revision, custodial and SM2-signed ones have no controller:
their entries stay the claim leaf alone and the registrar mints them as before.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registrations") as table:
        table.add_column(sa.Column("controller", sa.String(42), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registrations") as table:
        table.drop_column("controller")
