"""What the services return: plain frozen records, independent of the database session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from registry.models import Batch, Registration


@dataclass(frozen=True)
class AnchorView:
    """Where a registration's batch root was anchored."""

    root: str
    chain_id: int | None
    contract_address: str | None
    tx_hash: str | None
    block_number: int | None
    anchored_at: datetime | None
    confirmed: bool


@dataclass(frozen=True)
class RegistrationView:
    """A registration with its claim and, once anchored, its Merkle proof and anchoring."""

    number: str
    status: str
    title: str
    metadata: dict[str, object]
    sha256: str
    sm3: str
    size: int
    cid: str | None
    iscc_data: str | None
    iscc_instance: str | None
    iscc_content: str | None
    published_at: datetime | None
    registered_at: datetime
    leaf: str
    claim: dict[str, object]
    signing_mode: str
    signature: str | None
    registrant: str | None
    proof: list[str] | None
    anchor: AnchorView | None
    takedown: dict[str, object] | None = None  # the takedown in force (registry.moderation)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def anchor_view(batch: Batch | None) -> AnchorView | None:
    if batch is None:
        return None
    return AnchorView(
        root=batch.root,
        chain_id=batch.chain_id,
        contract_address=batch.contract_address,
        tx_hash=batch.tx_hash,
        block_number=batch.block_number,
        anchored_at=as_utc(batch.anchored_at) if batch.anchored_at else None,
        confirmed=batch.status == "confirmed",
    )


def registrations_for_views() -> Select[Registration]:
    """Registrations with what :func:`registration_view` reads (work, batch) in one query."""
    return select(Registration).options(
        joinedload(Registration.work), joinedload(Registration.batch)
    )


def registration_view(registration: Registration) -> RegistrationView:
    work = registration.work
    return RegistrationView(
        number=registration.number,
        status=registration.status,
        title=work.title,
        metadata=json.loads(work.metadata_json),
        sha256=work.sha256,
        sm3=work.sm3,
        size=work.size,
        cid=work.cid,
        iscc_data=work.iscc_data,
        iscc_instance=work.iscc_instance,
        iscc_content=work.iscc_content,
        published_at=as_utc(work.published_at) if work.published_at else None,
        registered_at=as_utc(registration.created_at),
        leaf=registration.leaf,
        claim=json.loads(registration.claim_json),
        signing_mode=registration.signing_mode,
        signature=registration.signature,
        registrant=registration.registrant,
        proof=json.loads(registration.proof_json) if registration.proof_json else None,
        anchor=anchor_view(registration.batch) if registration.status == "anchored" else None,
        takedown=json.loads(registration.takedown_json) if registration.takedown_json else None,
    )
