"""Search terms of registrations (ISBN-13, DCI, title, authors), normalised and indexed on
(kind, term) — on PostgreSQL with varchar_pattern_ops, so a prefix (``LIKE 'x%'``) uses the
index — and filled in from every registration already recorded.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from __future__ import annotations

import json
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# As registry.registration.search writes them (kept here so that this revision never changes).
TERM_LENGTH = 200


def _text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def _terms(metadata: dict[str, object]) -> set[tuple[str, str]]:
    terms: set[tuple[str, str]] = set()
    isbn = metadata.get("isbn")
    if isinstance(isbn, str) and isbn:
        terms.add(("isbn", isbn))
    dci = metadata.get("dci")
    if isinstance(dci, str) and dci:
        terms.add(("dci", dci.strip().upper()))
    title = metadata.get("title")
    if isinstance(title, str) and _text(title):
        terms.add(("title", _text(title)[:TERM_LENGTH]))
    authors = metadata.get("authors")
    for author in authors if isinstance(authors, list) else ():
        if isinstance(author, str) and _text(author):
            terms.add(("author", _text(author)[:TERM_LENGTH]))
    return terms


def upgrade() -> None:
    op.create_table(
        "work_search_terms",
        sa.Column(
            "registration_id",
            sa.Integer(),
            sa.ForeignKey("registrations.id"),
            primary_key=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(8), primary_key=True, nullable=False),
        sa.Column("term", sa.String(200), primary_key=True, nullable=False),
    )
    op.create_index(
        "ix_work_search_terms_kind_term",
        "work_search_terms",
        ["kind", "term"],
        postgresql_ops={"term": "varchar_pattern_ops"},
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT registrations.id, works.metadata_json, works.isbn FROM registrations "
            "JOIN works ON works.id = registrations.work_id ORDER BY registrations.id"
        )
    )
    terms = sa.table(
        "work_search_terms",
        sa.column("registration_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("term", sa.String),
    )
    batch: list[dict[str, object]] = []
    for registration_id, metadata_json, isbn in rows.all():
        try:
            metadata = json.loads(metadata_json)
        except ValueError:
            metadata = {}
        if not isinstance(metadata, dict):
            metadata = {}
        # The ISBN is the indexed ISBN-13 (revision 0010), not the document's own spelling.
        metadata = {**metadata, "isbn": isbn}
        batch.extend(
            {"registration_id": registration_id, "kind": kind, "term": term}
            for kind, term in sorted(_terms(metadata))
        )
        if len(batch) >= 1000:
            connection.execute(terms.insert(), batch)
            batch = []
    if batch:
        connection.execute(terms.insert(), batch)


def downgrade() -> None:
    op.drop_index("ix_work_search_terms_kind_term", table_name="work_search_terms")
    op.drop_table("work_search_terms")
