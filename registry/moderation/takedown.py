"""Takedown (freeze) and restore of a registration / asset on ``Moderation``.

The reason text stays in the database; its SHA-256 goes on chain. The registration's
``takedown_json`` shows the takedown in force (verification answers and the public page read it).
Refused before sending: :class:`RegistrationNotFound`, :class:`AlreadyTakenDown`,
:class:`TakedownNotFound`, :class:`AuthorityTooLow`, :class:`AppealOutdated` (a restore
granting an appeal whose takedown is no longer the one in force), :class:`ContractsNotConfigured`
(the registry's account lacks the role on ``Moderation``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chain_client.moderation import MODERATOR_ROLE, REGULATOR_ROLE, Authority, ModerationClient
from chain_client.roles import RoleAdministered
from registry.core.chain_refusals import chain_refusals
from registry.core.database import unit_of_work
from registry.core.errors import (
    AlreadyTakenDown,
    AppealOutdated,
    AuthorityTooLow,
    ContractsNotConfigured,
    InvalidInput,
    LiftedOnChain,
    RegistrationNotFound,
    TakedownNotFound,
)
from registry.core.models import Registration, Takedown
from registry.core.views import is_revocation, refuse_if_revoked, view_of
from registry.moderation.audit import append_audit
from registry.moderation.events import ModerationEvent, ModerationEvents, publish

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
    return view_of(TakedownView, takedown, registration=number)


def list_takedowns(
    sessions: sessionmaker[Session],
    *,
    registration: str | None = None,
    in_force: bool = False,
    limit: int = 1000,
    after: int = 0,
) -> list[TakedownView]:
    """Takedowns, restored ones included unless ``in_force``, oldest first from id ``after``."""
    query = (
        select(Takedown, Registration.number)
        .join(Registration, Registration.id == Takedown.registration_id)
        .where(Takedown.id > after)
        .order_by(Takedown.id)
        .limit(limit)
    )
    if registration is not None:
        query = query.where(Registration.number == registration)
    if in_force:
        query = query.where(Takedown.restored_at.is_(None))
    with sessions() as session:
        return [_view(takedown, number) for takedown, number in session.execute(query).all()]


def _registration(session: Session, reference: str) -> Registration:
    reference = reference.strip()
    leaf = reference.lower().removeprefix("0x")
    query = select(Registration).where(
        (Registration.number == reference) | (Registration.leaf == leaf)
    )
    registration = session.scalar(query)
    if registration is None:
        raise RegistrationNotFound.numbered(reference, field="reference")
    return registration


def _checked(reason: str, authority: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a reason is required", details={"field": "reason"})
    if authority not in AUTHORITIES:
        raise InvalidInput("unknown authority", details={"known": list(AUTHORITIES)})
    return reason


def require_role(contract: RoleAdministered, roles: tuple[bytes, ...], missing: str) -> None:
    """:class:`ContractsNotConfigured` (``missing``) unless the registry's account holds one of
    ``roles`` on ``contract``: the operator has a grant to make, not the caller."""
    account = contract.sender.address if contract.sender else None
    with chain_refusals():
        holds = account is not None and any(contract.has_role(role, account) for role in roles)
    if not holds:
        raise ContractsNotConfigured(
            missing, details={"account": account, "contract": contract.address}
        )


def _require_authority(moderation: ModerationClient, authority: str) -> None:
    """:class:`ContractsNotConfigured` unless the sending account holds the role of
    ``authority`` on ``Moderation``, and a moderator's holds no regulator's: the chain records a
    freeze's authority by its sender's role, and it must be the one the registry records."""
    if authority == "regulator":
        require_role(
            moderation, (REGULATOR_ROLE,),
            "the registry's account lacks REGULATOR_ROLE on Moderation; grant it",
        )  # fmt: skip
        return
    require_role(
        moderation, (MODERATOR_ROLE,),
        "the moderator account lacks MODERATOR_ROLE on Moderation; grant it",
    )  # fmt: skip
    account = moderation.sender.address if moderation.sender else None
    with chain_refusals():
        regulator = account is not None and moderation.has_role(REGULATOR_ROLE, account)
    if regulator:
        raise ContractsNotConfigured(
            "审核员账户同时是监管账户，链上会记为监管冻结 / the moderator account is a "
            "regulator on Moderation too: the chain would record a regulator's freeze; give it "
            "MODERATOR_ROLE alone",
            details={"account": account, "contract": moderation.address},
        )


@dataclass(frozen=True)
class _Change:
    """What recording a takedown or its restore needs, once it is sent."""

    registration_id: int
    number: str
    leaf: str
    takedown_id: int | None  # the takedown in force (for a restore)
    reason: str
    digest: bytes
    authority: str
    actor: str
    tx_hash: str
    at: datetime


@dataclass(frozen=True)
class TakedownChange:
    """A takedown or a restore, on one path: the reason and authority are checked, then the
    registration (``check``: the takedown in force, if the change needs one; for a restore
    granting an appeal, that it is the takedown ``appealed``); the chain is changed (``send``:
    the transaction's hash); the change is recorded
    (``record``: the takedown row and the audit payload), audited as ``action`` and published as
    an event of that type."""

    action: str
    check: Callable[[Session, Registration, str, int | None], int | None]
    send: Callable[[ModerationClient, bytes, bytes, str], str]
    record: Callable[[Session, _Change], tuple[Takedown, dict[str, object]]]

    def __call__(
        self,
        sessions: sessionmaker[Session],
        moderation: ModerationClient | Callable[[str], ModerationClient],
        reference: str,
        *,
        reason: str,
        actor: str,
        authority: str,
        now: Callable[[], datetime],
        events: ModerationEvents | None = None,
        appealed: int | None = None,
    ) -> TakedownView:
        """``moderation`` is the contract sending as the account to use, or gives it by
        authority (resolved only once the checks passed: a refusal sends nothing)."""
        reason = _checked(reason, authority)
        with sessions() as session:
            registration = _registration(session, reference)
            number, leaf, registration_id = registration.number, registration.leaf, registration.id
            takedown_id = self.check(session, registration, authority, appealed)
        client, sending = self._sender(moderation, authority, bytes.fromhex(leaf))
        _require_authority(client, sending)
        digest = reason_digest(reason)
        with chain_refusals():
            tx_hash = self.send(client, bytes.fromhex(leaf), digest, number)
        change = _Change(
            registration_id, number, leaf, takedown_id, reason, digest, authority, actor, tx_hash,
            now(),
        )  # fmt: skip
        with unit_of_work(sessions) as session:
            takedown, payload = self.record(session, change)
            append_audit(
                session,
                actor=actor,
                action=self.action,
                subject=f"registration:{number}",
                payload=payload,
                at=change.at,
            )
            view = _view(takedown, number)
        publish(
            events, ModerationEvent(self.action, change.at, number, details={"takedown": view.id})
        )
        return view

    def _sender(
        self,
        moderation: ModerationClient | Callable[[str], ModerationClient],
        authority: str,
        leaf: bytes,
    ) -> tuple[ModerationClient, str]:
        """The contract sending as the account of ``authority``, and that authority; for a
        moderator's restore of a freeze the chain holds as a regulator's, the regulator account
        (a takedown recorded as the moderator's, sent before moderators had an account of their
        own: the record's authority allowed the restore, the chain wants the account that
        froze)."""
        if isinstance(moderation, ModerationClient):
            return moderation, authority
        client = moderation(authority)
        if self.action == "restore" and authority == "moderator":
            with chain_refusals():
                frozen_by = client.freeze_of(leaf).authority
            if frozen_by is Authority.REGULATOR:
                return moderation("regulator"), "regulator"
        return client, authority


def _not_taken_down(
    _session: Session, registration: Registration, _authority: str, _appealed: int | None
) -> None:
    refuse_if_revoked(registration.number, registration.takedown_json)
    if registration.takedown_json is not None:
        raise AlreadyTakenDown(
            "a takedown is in force already", details={"registration": registration.number}
        )


def _freeze(moderation: ModerationClient, leaf: bytes, digest: bytes, number: str) -> str:
    if moderation.is_frozen(leaf):
        raise AlreadyTakenDown(
            "the registration is frozen on chain already", details={"registration": number}
        )
    return moderation.freeze(leaf, digest).position.tx_hash


def _record_takedown(session: Session, change: _Change) -> tuple[Takedown, dict[str, object]]:
    # The event follower may have recorded this very freeze already, from its block, as one made
    # on chain alone: the registry's own record takes its row over, with the reason in words.
    takedown = session.scalar(select(Takedown).where(Takedown.freeze_tx == change.tx_hash))
    if takedown is None:
        takedown = Takedown(
            registration_id=change.registration_id, target=change.leaf, freeze_tx=change.tx_hash
        )
        session.add(takedown)
    takedown.authority, takedown.reason = change.authority, change.reason
    takedown.reason_digest, takedown.frozen_by = change.digest.hex(), change.actor
    takedown.frozen_at = change.at
    session.flush()
    on_chain = {
        "authority": change.authority,
        "reason": change.reason,
        "reason_digest": change.digest.hex(),
        "tx_hash": change.tx_hash,
    }
    session.get_one(Registration, change.registration_id).takedown_json = json.dumps(
        {"id": takedown.id, **on_chain, "taken_down_at": change.at.isoformat()},
        ensure_ascii=False,
    )
    return takedown, {"takedown": takedown.id, **on_chain}


def _takedown_in_force(
    session: Session, registration: Registration, authority: str, appealed: int | None
) -> int:
    refuse_if_revoked(registration.number, registration.takedown_json)  # no restore lifts it
    takedown = session.scalar(
        select(Takedown).where(
            Takedown.registration_id == registration.id, Takedown.restored_at.is_(None)
        )
    )
    number = registration.number
    if appealed is not None and (takedown is None or takedown.id != appealed):
        # Granting an appeal lifts the takedown appealed, never a later one nobody appealed.
        raise AppealOutdated(
            "申诉所针对的下架已不再生效 / the takedown appealed is no longer in force",
            details={
                "registration": number,
                "appeal_of_takedown": appealed,
                "in_force": takedown.id if takedown is not None else None,
            },
        )
    if takedown is None:
        raise TakedownNotFound("no takedown is in force", details={"registration": number})
    if takedown.authority == "regulator" and authority != "regulator":
        raise AuthorityTooLow(
            "a moderator cannot lift a regulator's takedown",
            details={"registration": number, "takedown": takedown.id},
        )
    return takedown.id


def _unfreeze(moderation: ModerationClient, leaf: bytes, digest: bytes, number: str) -> str:
    if not moderation.is_frozen(leaf):
        # Lifted on chain by another account: recording it here as this caller's restore, with
        # this reason, would tell another story than the chain's; the follower records the
        # chain's own lifting (record_chain_restore).
        raise LiftedOnChain(
            "该作品已在链上解除冻结，登记处按链上记录登记 / the freeze was lifted on chain "
            "already: the registry records that lifting from the chain",
            details={"registration": number},
        )
    return moderation.restore(leaf, digest).position.tx_hash


def _record_restore(session: Session, change: _Change) -> tuple[Takedown, dict[str, object]]:
    takedown = session.get_one(Takedown, change.takedown_id)
    takedown.restored_by, takedown.restore_reason = change.actor, change.reason
    takedown.restore_tx = change.tx_hash
    takedown.restored_at = change.at
    registration = session.get_one(Registration, takedown.registration_id)
    if not is_revocation(registration.takedown_json):  # no freeze's lifting undoes a revocation
        registration.takedown_json = None
    return takedown, {"takedown": takedown.id, "reason": change.reason, "tx_hash": change.tx_hash}


# Freeze the registration (number or leaf / asset id) on chain and record why.
take_down = TakedownChange("takedown", _not_taken_down, _freeze, _record_takedown)
# Lift the takedown in force (a moderator cannot lift a regulator's); granting an appeal, only
# if it is the takedown appealed (``appealed``).
restore = TakedownChange("restore", _takedown_in_force, _unfreeze, _record_restore)


# What a freeze or its lifting made on chain alone says in words: its reason text is not on chain.
CHAIN_ONLY_FREEZE_REASON: Final = (
    "在链上直接冻结，理由原文未提交本登记系统（见理由摘要）"
    " / frozen on chain directly; the reason text was not given to this registry"
    " (see the reason digest)"
)
CHAIN_ONLY_RESTORE_REASON: Final = (
    "在链上直接解除冻结，理由原文未提交本登记系统"
    " / restored on chain directly; the reason text was not given to this registry"
)


def record_chain_freeze(
    session: Session,
    leaf: str,
    *,
    authority: str,
    actor: str,
    reason_digest: bytes,
    tx_hash: str,
    at: datetime,
) -> str | None:
    """Record a freeze the chain holds on the registration of ``leaf`` (a moderator's or
    regulator's own ``freeze``, not made through the registry) as its takedown in force, where
    the registry's own takedowns go; its number if newly recorded. A freeze the registry made
    (its transaction), a registration under a takedown already, or none of that leaf: nothing."""
    if session.scalar(select(Takedown.id).where(Takedown.freeze_tx == tx_hash)) is not None:
        return None
    registration = session.scalar(select(Registration).where(Registration.leaf == leaf))
    if registration is None or registration.takedown_json is not None:
        return None
    change = _Change(
        registration.id, registration.number, leaf, None, CHAIN_ONLY_FREEZE_REASON,
        reason_digest, authority, actor, tx_hash, at,
    )  # fmt: skip
    _record_takedown(session, change)
    return registration.number


def record_chain_restore(
    session: Session, leaf: str, *, actor: str, tx_hash: str, at: datetime
) -> str | None:
    """Record the lifting of a freeze on chain on the registration of ``leaf``: its takedown in
    force ends, and the takedown list says so; a revocation stays (no freeze's lifting undoes
    one: the registration is still revoked on every face). Its number if newly recorded. A
    restore recorded already (the registry's own, or this one before) is left."""
    if session.scalar(select(Takedown.id).where(Takedown.restore_tx == tx_hash)) is not None:
        return None
    registration = session.scalar(select(Registration).where(Registration.leaf == leaf))
    if registration is None:
        return None
    takedown_id = session.scalar(
        select(Takedown.id).where(
            Takedown.registration_id == registration.id, Takedown.restored_at.is_(None)
        )
    )
    if takedown_id is None:
        return None
    change = _Change(
        registration.id, registration.number, leaf, takedown_id, CHAIN_ONLY_RESTORE_REASON,
        b"", "", actor, tx_hash, at,
    )  # fmt: skip
    _record_restore(session, change)
    return registration.number
