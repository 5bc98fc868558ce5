"""Join the migrations of moderation, webhooks and signed requests (developed side by side on
0010) into one head.

Revision ID: 0014
Revises: 0011, 0012, 0013
Create Date: 2026-11-27
"""

from __future__ import annotations

revision = "0014"
down_revision = ("0011", "0012", "0013")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the branches touch separate tables."""


def downgrade() -> None:
    """Nothing to change."""
