"""Takedown (freeze) and restore of a registration / asset on ``Moderation``.

The reason text stays in the database; its SHA-256 goes on chain. The registration's
``takedown_json`` shows the takedown in force (verification answers and the public page read it).
Refused before sending: :class:`RegistrationNotFound`, :class:`AlreadyTakenDown`,
:class:`TakedownNotFound`, :class:`AuthorityTooLow`, :class:`ContractsNotConfigured` (the
registry's account lacks the role on ``Moderation``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chain_client.moderation import MODERATOR_ROLE, REGULATOR_ROLE, ModerationClient
from registry.chain_refusals import chain_refusals
from registry.database import unit_of_work
from registry.errors import (
    AlreadyTakenDown,
    AuthorityTooLow,
    ContractsNotConfigured,
    InvalidInput,
    RegistrationNotFound,
    TakedownNotFound,
)
from registry.models import Registration, Takedown
from registry.moderation.audit import append_audit
from registry.moderation.events import ModerationEvent, ModerationEvents, publish
from registry.views import as_utc

AUTHORITIES = ("moderator", "regulator")


@dataclass(frozen=True)
class TakedownView:
    id: int
    registration: str
    target: str
    authority: str
    reason: str
    reason_digest: str
    frozen_by: str
    freeze_tx: str
    frozen_at: datetime
    restored_by: str | None
    restore_reason: str | None
    restore_tx: str | None
    restored_at: datetime | None


def reason_digest(reason: str) -> bytes:
    return hashlib.sha256(reason.encode("utf-8")).digest()


def _view(takedown: Takedown, number: str) -> TakedownView:
    return TakedownView(
        id=takedown.id,
        registration=number,
        target=takedown.target,
        authority=takedown.authority,
        reason=takedown.reason,
        reason_digest=takedown.reason_digest,
        frozen_by=takedown.frozen_by,
        freeze_tx=takedown.freeze_tx,
        frozen_at=as_utc(takedown.frozen_at),
        restored_by=takedown.restored_by,
        restore_reason=takedown.restore_reason,
        restore_tx=takedown.restore_tx,
        restored_at=as_utc(takedown.restored_at) if takedown.restored_at else None,
    )


def _registration(session: Session, reference: str) -> Registration:
    reference = reference.strip()
    leaf = reference.lower().removeprefix("0x")
    query = select(Registration).where(
        (Registration.number == reference) | (Registration.leaf == leaf)
    )
    registration = session.scalar(query)
    if registration is None:
        raise RegistrationNotFound(
            f"no registration {reference!r}", details={"reference": reference}
        )
    return registration


def _checked(reason: str, authority: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a reason is required", details={"field": "reason"})
    if authority not in AUTHORITIES:
        raise InvalidInput("unknown authority", details={"known": list(AUTHORITIES)})
    return reason


def _require_role(moderation: ModerationClient) -> None:
    account = moderation.sender.address if moderation.sender else None
    with chain_refusals():
        holds = account is not None and (
            moderation.has_role(REGULATOR_ROLE, account)
            or moderation.has_role(MODERATOR_ROLE, account)
        )
    if not holds:
        raise ContractsNotConfigured(
            "the registry's account holds neither MODERATOR_ROLE nor REGULATOR_ROLE on "
            "Moderation; grant it one",
            details={"account": account, "contract": moderation.address},
        )


def take_down(
    sessions: sessionmaker[Session],
    moderation: ModerationClient,
    reference: str,
    *,
    reason: str,
    actor: str,
    authority: str,
    now: Callable[[], datetime],
    events: ModerationEvents | None = None,
) -> TakedownView:
    """Freeze the registration (number or leaf / asset id) on chain and record why."""
    reason = _checked(reason, authority)
    with sessions() as session:
        registration = _registration(session, reference)
        number, leaf, registration_id = registration.number, registration.leaf, registration.id
        if registration.takedown_json is not None:
            raise AlreadyTakenDown(
                "a takedown is in force already", details={"registration": number}
            )
    _require_role(moderation)
    digest = reason_digest(reason)
    with chain_refusals():
        if moderation.is_frozen(bytes.fromhex(leaf)):
            raise AlreadyTakenDown(
                "the registration is frozen on chain already", details={"registration": number}
            )
        frozen = moderation.freeze(bytes.fromhex(leaf), digest)
    at = now()
    with unit_of_work(sessions) as session:
        takedown = Takedown(
            registration_id=registration_id,
            target=leaf,
            authority=authority,
            reason=reason,
            reason_digest=digest.hex(),
            frozen_by=actor,
            freeze_tx=frozen.position.tx_hash,
            frozen_at=at,
        )
        session.add(takedown)
        session.flush()
        row = session.get_one(Registration, registration_id)
        row.takedown_json = json.dumps(
            {
                "id": takedown.id,
                "authority": authority,
                "reason": reason,
                "reason_digest": digest.hex(),
                "tx_hash": frozen.position.tx_hash,
                "taken_down_at": at.isoformat(),
            },
            ensure_ascii=False,
        )
        append_audit(
            session,
            actor=actor,
            action="takedown",
            subject=f"registration:{number}",
            payload={
                "takedown": takedown.id,
                "authority": authority,
                "reason": reason,
                "reason_digest": digest.hex(),
                "tx_hash": frozen.position.tx_hash,
            },
            at=at,
        )
        view = _view(takedown, number)
    publish(events, ModerationEvent("takedown", at, number, details={"takedown": view.id}))
    return view


def restore(
    sessions: sessionmaker[Session],
    moderation: ModerationClient,
    reference: str,
    *,
    reason: str,
    actor: str,
    authority: str,
    now: Callable[[], datetime],
    events: ModerationEvents | None = None,
) -> TakedownView:
    """Lift the takedown in force (a moderator cannot lift a regulator's)."""
    reason = _checked(reason, authority)
    with sessions() as session:
        registration = _registration(session, reference)
        number, leaf = registration.number, registration.leaf
        takedown = session.scalar(
            select(Takedown).where(
                Takedown.registration_id == registration.id, Takedown.restored_at.is_(None)
            )
        )
        if takedown is None:
            raise TakedownNotFound("no takedown is in force", details={"registration": number})
        takedown_id = takedown.id
        if takedown.authority == "regulator" and authority != "regulator":
            raise AuthorityTooLow(
                "a moderator cannot lift a regulator's takedown",
                details={"registration": number, "takedown": takedown_id},
            )
    _require_role(moderation)
    with chain_refusals():
        restored = (
            moderation.restore(bytes.fromhex(leaf), reason_digest(reason))
            if moderation.is_frozen(bytes.fromhex(leaf))
            else None  # lifted on chain already (by another path): record it here too
        )
    at = now()
    tx = restored.position.tx_hash if restored else None
    with unit_of_work(sessions) as session:
        takedown = session.get_one(Takedown, takedown_id)
        takedown.restored_by, takedown.restore_reason = actor, reason
        takedown.restore_tx, takedown.restored_at = tx, at
        session.get_one(Registration, takedown.registration_id).takedown_json = None
        append_audit(
            session,
            actor=actor,
            action="restore",
            subject=f"registration:{number}",
            payload={"takedown": takedown_id, "reason": reason, "tx_hash": tx},
            at=at,
        )
        view = _view(takedown, number)
    publish(events, ModerationEvent("restore", at, number, details={"takedown": takedown_id}))
    return view


def takedowns_of(sessions: sessionmaker[Session], reference: str) -> list[TakedownView]:
    with sessions() as session:
        registration = _registration(session, reference)
        rows = session.scalars(
            select(Takedown)
            .where(Takedown.registration_id == registration.id)
            .order_by(Takedown.id)
        )
        return [_view(t, registration.number) for t in rows]
