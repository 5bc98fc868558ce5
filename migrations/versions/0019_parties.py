"""Parties: the organisation or person behind API keys, signing keys and chain addresses, and
the owner of registrations.

Every API key that exists gets a party of its own (named after the key), and each registration
is attributed to its submitting key's party; a registration made from the command line with a
signed claim has no party until its signing key is linked to one (it is attributed then).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("party_id", sa.String(32), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("public_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "party_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("party_id", sa.Integer(), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("identifier", sa.String(600), nullable=False, unique=True),
        sa.Column("fingerprint", sa.String(16), nullable=False, unique=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_party_keys_party_id", "party_keys", ["party_id"])
    with op.batch_alter_table("api_keys") as table:
        table.add_column(sa.Column("party_id", sa.Integer(), nullable=True))
        table.create_foreign_key("fk_api_keys_party", "parties", ["party_id"], ["id"])
    with op.batch_alter_table("registrations") as table:
        table.add_column(sa.Column("party_id", sa.Integer(), nullable=True))
        table.create_foreign_key("fk_registrations_party", "parties", ["party_id"], ["id"])
        table.create_index("ix_registrations_party_id", ["party_id", "id"])

    connection = op.get_bind()
    keys = connection.execute(sa.text("SELECT id, key_id, name, created_at FROM api_keys"))
    for key_pk, key_id, name, created_at in list(keys):
        party_id = f"party_{secrets.token_hex(8)}"
        connection.execute(
            sa.text(
                "INSERT INTO parties (party_id, kind, public_name, created_at) "
                "VALUES (:party_id, 'organisation', :name, :created_at)"
            ),
            {"party_id": party_id, "name": name[:200], "created_at": created_at},
        )
        party_pk = connection.execute(
            sa.text("SELECT id FROM parties WHERE party_id = :party_id"), {"party_id": party_id}
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE api_keys SET party_id = :party WHERE id = :key"),
            {"party": party_pk, "key": key_pk},
        )
        connection.execute(
            sa.text("UPDATE registrations SET party_id = :party WHERE submitted_by = :key_id"),
            {"party": party_pk, "key_id": key_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("registrations") as table:
        table.drop_index("ix_registrations_party_id")
        table.drop_constraint("fk_registrations_party", type_="foreignkey")
        table.drop_column("party_id")
    with op.batch_alter_table("api_keys") as table:
        table.drop_constraint("fk_api_keys_party", type_="foreignkey")
        table.drop_column("party_id")
    op.drop_index("ix_party_keys_party_id", table_name="party_keys")
    op.drop_table("party_keys")
    op.drop_table("parties")
