"""The webhook subscriptions of API keys revoked before now stop: a revoked key hears nothing
more (from now on revoking a key or its party deactivates its subscriptions at once).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE webhook_subscriptions SET active = false WHERE key_id IN "
        "(SELECT key_id FROM api_keys WHERE revoked_at IS NOT NULL)"
    )


def downgrade() -> None:
    """Nothing to undo: which subscriptions were active before is not kept."""
