"""A registration moderation holds or rejected is not published. Before, one registered with
``publish=true`` was stored in the clear and recorded as published whatever the hooks decided:
those works are now recorded as unpublished. Their blocks stay as they are (a migration has no
content store); the registry serves none of them while the registration is held or rejected,
and once one is accepted its registrant publishes it, through the hooks again.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE works SET published_at = NULL WHERE published_at IS NOT NULL AND id IN "
        "(SELECT work_id FROM registrations WHERE status IN ('held', 'rejected'))"
    )


def downgrade() -> None:
    """Nothing to undo: which of these works were recorded as published is not kept."""
