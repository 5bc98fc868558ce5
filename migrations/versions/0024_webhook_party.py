"""A webhook subscription may be a registrant's: bound to the party of the publisher key that
made it, it receives the events of that party's works only. A platform's subscription (and
every subscription from before this revision) has no party and receives every work's events.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as table:
        table.add_column(sa.Column("party_id", sa.Integer(), nullable=True))
        table.create_foreign_key("fk_webhook_subscriptions_party", "parties", ["party_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as table:
        table.drop_constraint("fk_webhook_subscriptions_party", type_="foreignkey")
        table.drop_column("party_id")
