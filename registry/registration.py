"""Use case: register a work (store its content, record its canonical claim, acknowledge)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crypto.canonical import canonical_json
from crypto.claims import Claim, claim_leaf_v1, metadata_digest, new_nonce
from registry.content_store import ContentStore
from registry.database import unit_of_work
from registry.errors import IdempotencyKeyReused
from registry.ingest import ingest
from registry.metadata import WorkMetadata
from registry.models import IdempotencyKey, Registration, Work
from registry.views import RegistrationView, registration_view

PENDING = "pending"
ANCHORED = "anchored"


def registration_number(year: int, registration_id: int) -> str:
    """``BQ-2026-00000042``: readable, sortable, unique per registration."""
    return f"BQ-{year}-{registration_id:08d}"


def register_work(
    sessions: sessionmaker[Session],
    store: ContentStore,
    content: BinaryIO,
    metadata: WorkMetadata,
    *,
    max_bytes: int,
    now: Callable[[], datetime],
    idempotency_key: str | None = None,
    idempotency_scope: str = "",
) -> RegistrationView:
    """Store ``content``, build and record its claim, and return the pending registration.

    The registration is committed before this returns: from then on it is never lost, and the
    worker anchors it whenever the chain can be reached. Bad input raises before anything is
    recorded (the content store keeps nothing of a refused upload).

    With ``idempotency_key``, a retry of the same request (same content and metadata, same key
    within ``idempotency_scope``) returns the first registration instead of a new one; the same
    key with a different request raises :class:`IdempotencyKeyReused`.
    """
    stored = ingest(content, store, max_bytes=max_bytes)
    fingerprint = request_fingerprint(stored.digests.sha256_hex, metadata)
    if idempotency_key is not None:
        replay = _replayed(sessions, idempotency_scope, idempotency_key, fingerprint)
        if replay is not None:
            return replay
    registered_at = now().replace(microsecond=0)
    claim = Claim(
        sha256=stored.digests.sha256_hex,
        sm3=stored.digests.sm3_hex,
        size=stored.digests.size,
        metadata_digest=metadata_digest(metadata.to_json()),
        registered_at=registered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        nonce=new_nonce(),
        cid=stored.cid,
    )
    claim_bytes = claim.canonical_bytes()
    leaf = claim_leaf_v1(claim_bytes).hex()
    try:
        with unit_of_work(sessions) as session:
            work = Work(
                sha256=claim.sha256,
                sm3=claim.sm3,
                size=claim.size,
                title=metadata.title,
                metadata_json=json.dumps(metadata.to_json(), ensure_ascii=False),
                cid=stored.cid,
                iscc_data=stored.iscc_data,
                iscc_instance=stored.iscc_instance,
                created_at=registered_at,
            )
            registration = Registration(
                number=f"~{leaf[:31]}",  # unique placeholder until the id is known
                work=work,
                claim_json=claim_bytes.decode("utf-8"),
                leaf=leaf,
                status=PENDING,
                created_at=registered_at,
            )
            session.add(registration)
            session.flush()
            registration.number = registration_number(registered_at.year, registration.id)
            if idempotency_key is not None:
                session.add(
                    IdempotencyKey(
                        scope=idempotency_scope,
                        key=idempotency_key,
                        fingerprint=fingerprint,
                        registration_id=registration.id,
                        created_at=registered_at,
                    )
                )
            session.flush()
            return registration_view(registration)
    except IntegrityError:
        if idempotency_key is None:
            raise
        # A concurrent request with the same key committed first: answer with its result.
        replay = _replayed(sessions, idempotency_scope, idempotency_key, fingerprint)
        if replay is None:
            raise
        return replay


def request_fingerprint(sha256_hex: str, metadata: WorkMetadata) -> str:
    """What makes two registration requests the same request: content and metadata."""
    return hashlib.sha256(
        canonical_json({"sha256": sha256_hex, "metadata": metadata.to_json()})
    ).hexdigest()


def _replayed(
    sessions: sessionmaker[Session], scope: str, key: str, fingerprint: str
) -> RegistrationView | None:
    with sessions() as session:
        record = session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        )
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for a different request",
                details={"idempotency_key": key},
            )
        return registration_view(session.get_one(Registration, record.registration_id))
