"""Moderation: blocklist, similarity index of ISCC codes, review items, takedowns, hash-chained
audit log, and the takedown in force on a registration.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

from __future__ import annotations

import base64

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("takedown_json", sa.Text(), nullable=True))
    op.create_table(
        "moderation_blocklist",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("algorithm", sa.String(8), nullable=False),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(32), nullable=True),
        sa.Column("added_at", _tz(), nullable=False),
        sa.UniqueConstraint("algorithm", "value"),
    )
    op.create_table(
        "similarity_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("work_id", sa.Integer(), sa.ForeignKey("works.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("code", sa.BigInteger(), nullable=False),
        *(sa.Column(f"seg{n}", sa.Integer(), nullable=False) for n in range(4)),
    )
    op.create_index("ix_similarity_codes_work_id", "similarity_codes", ["work_id"])
    for n in range(4):
        op.create_index(f"ix_similarity_codes_seg{n}", "similarity_codes", ["kind", f"seg{n}"])
    op.create_table(
        "takedowns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "registration_id", sa.Integer(), sa.ForeignKey("registrations.id"), nullable=False
        ),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("authority", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reason_digest", sa.String(64), nullable=False),
        sa.Column("frozen_by", sa.String(32), nullable=False),
        sa.Column("freeze_tx", sa.String(66), nullable=False),
        sa.Column("frozen_at", _tz(), nullable=False),
        sa.Column("restored_by", sa.String(32), nullable=True),
        sa.Column("restore_reason", sa.Text(), nullable=True),
        sa.Column("restore_tx", sa.String(66), nullable=True),
        sa.Column("restored_at", _tz(), nullable=True),
    )
    op.create_index("ix_takedowns_registration_id", "takedowns", ["registration_id"])
    op.create_index("ix_takedowns_target", "takedowns", ["target"])
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column(
            "registration_id", sa.Integer(), sa.ForeignKey("registrations.id"), nullable=True
        ),
        sa.Column(
            "related_registration_id",
            sa.Integer(),
            sa.ForeignKey("registrations.id"),
            nullable=True,
        ),
        sa.Column(
            "appeal_of_item_id", sa.Integer(), sa.ForeignKey("review_items.id"), nullable=True
        ),
        sa.Column(
            "appeal_of_takedown_id", sa.Integer(), sa.ForeignKey("takedowns.id"), nullable=True
        ),
        sa.Column("hook_results_json", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(200), nullable=True),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(32), nullable=True),
        sa.Column("claimed_at", _tz(), nullable=True),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", _tz(), nullable=True),
        sa.Column("created_at", _tz(), nullable=False),
        sa.UniqueConstraint("appeal_of_item_id"),
        sa.UniqueConstraint("appeal_of_takedown_id"),
    )
    op.create_index("ix_review_items_kind", "review_items", ["kind"])
    op.create_index("ix_review_items_status", "review_items", ["status"])
    op.create_index("ix_review_items_registration_id", "review_items", ["registration_id"])
    op.create_table(
        "moderation_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _tz(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("prev_digest", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_moderation_audit_at", "moderation_audit", ["at"])
    _index_existing_works()


def _code_bits(iscc: str | None) -> int | None:
    """The 64-bit body of an ``ISCC:…`` unit (2 header bytes, 8 body bytes), signed."""
    if not iscc:
        return None
    text = iscc.removeprefix("ISCC:")
    raw = base64.b32decode(text + "=" * (-len(text) % 8))
    if len(raw) != 10:
        return None
    return int.from_bytes(raw[2:], "big", signed=True)


def _index_existing_works() -> None:
    works = sa.table(
        "works",
        sa.column("id", sa.Integer),
        sa.column("iscc_data", sa.String),
        sa.column("iscc_content", sa.String),
    )
    codes = sa.table(
        "similarity_codes",
        sa.column("work_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("code", sa.BigInteger),
        *(sa.column(f"seg{n}", sa.Integer) for n in range(4)),
    )
    connection = op.get_bind()
    rows = []
    for work_id, data, content in connection.execute(
        sa.select(works.c.id, works.c.iscc_data, works.c.iscc_content)
    ):
        for kind, iscc in (("data", data), ("content", content)):
            bits = _code_bits(iscc)
            if bits is None:
                continue
            unsigned = bits & ((1 << 64) - 1)
            segments = {f"seg{n}": (unsigned >> (48 - 16 * n)) & 0xFFFF for n in range(4)}
            rows.append({"work_id": work_id, "kind": kind, "code": bits, **segments})
    if rows:
        connection.execute(codes.insert(), rows)


def downgrade() -> None:
    op.drop_table("moderation_audit")
    op.drop_table("review_items")
    op.drop_table("takedowns")
    op.drop_table("similarity_codes")
    op.drop_table("moderation_blocklist")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("takedown_json")
