"""The outbox: what happened, recorded in the same transaction as the change itself.

Every state change a platform may want to hear about writes one :class:`~registry.core.models.Event`
row with :func:`record_event`, inside the transaction that makes the change: if the change is
rolled back, so is the event, and if it is committed, the event is there for the webhook
dispatcher (``registry.platform.webhooks``) however long the receivers are down.

An event's ``subject`` is the work's registration leaf, which is also its asset id once
tokenized, so every event of one work (registered, anchored, transferred, frozen …) shares a
subject and is delivered in order. Events read from the chain carry a ``source_key`` (transaction
and log index): the follower replays events after a reorganization or a rebuild, and an event
already recorded is not recorded twice.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from chain_client.licences import LicenceGranted, LicenceRevoked
from chain_client.moderation import Frozen, Restored
from chain_client.pledges import Enforced, LenderChanged, LienReduced, Pledged, Released
from chain_client.records import LogPosition
from chain_client.registry_anchor import RegistrationRevoked
from chain_client.rights_assets import Transfer
from registry.core.models import Batch, Event, Registration, Takedown
from registry.core.priority import prior_claim
from registry.core.views import NewRegistration

ZERO_ADDRESS = "0x" + "00" * 20


class EventType(enum.StrEnum):
    REGISTERED = "registered"
    ANCHORED = "anchored"
    ANCHOR_LOST = "anchor_lost"
    CONFIRMED = "confirmed"
    TOKENIZED = "tokenized"
    TRANSFERRED = "transferred"
    LICENSED = "licensed"
    PLEDGED = "pledged"
    RELEASED = "released"
    ENFORCED = "enforced"
    FROZEN = "frozen"
    RESTORED = "restored"
    REVIEW_DECIDED = "review_decided"
    EDITION_GIFTED = "edition_gifted"
    REGISTRATION_REVOKED = "registration_revoked"
    LICENCE_REVOKED = "licence_revoked"
    LIEN_REDUCED = "lien_reduced"
    LENDER_CHANGED = "lender_changed"


def record_event(
    session: Session,
    event_type: EventType,
    subject: str,
    payload: Mapping[str, object],
    *,
    at: datetime | None = None,
    source_key: str | None = None,
) -> bool:
    """Add an event to ``session``'s transaction; False if ``source_key`` is recorded already.

    A Core insert, run at once (the outbox is written with every registration and read by the
    dispatcher, never as objects of the writing session): events get ids in the order recorded.
    """
    connection = session.connection()
    if (
        source_key is not None
        and connection.scalar(_EVENT_OF_SOURCE, {"key": source_key}) is not None
    ):
        return False
    connection.execute(
        _INSERT_EVENT,
        {
            "type": event_type.value,
            "subject": subject,
            "payload_json": json.dumps(dict(payload), ensure_ascii=False, sort_keys=True),
            "source_key": source_key,
            "fanned_out": False,
            "created_at": at or datetime.now(UTC),
        },
    )
    return True


_INSERT_EVENT = insert(Event)
_EVENT_OF_SOURCE = select(Event.id).where(Event.source_key == bindparam("key"))


def record_batch_events(batch: Batch, event_type: EventType) -> None:
    """One ``anchored``, ``confirmed`` or ``anchor_lost`` event per registration of ``batch``
    (naming its root, contract and transaction as they are), in the transaction of the session
    ``batch`` belongs to."""
    session = Session.object_session(batch)
    if session is None:
        raise ValueError("the batch must belong to a session")
    for registration in batch.registrations:
        record_event(
            session,
            event_type,
            registration.leaf,
            {
                "number": registration.number,
                "root": batch.root,
                "chain_id": batch.chain_id,
                "contract": batch.contract_address,
                "tx_hash": batch.tx_hash,
                "block_number": batch.block_number,
            },
        )


def record_chain_event(session: Session, event: Any) -> None:
    """The webhook event of a decoded suite event, if it is one platforms hear about."""
    found = _chain_event(event)
    if found is None:
        return
    event_type, subject, payload = found
    position: LogPosition = event.position
    number = session.scalar(select(Registration.number).where(Registration.leaf == subject))
    if event_type is EventType.FROZEN:
        # The chain knows the registry's account; the record knows who decided, and as what.
        takedown = session.scalar(select(Takedown).where(Takedown.freeze_tx == position.tx_hash))
        if takedown is not None:
            payload = {
                **payload,
                "authority": takedown.authority,
                "actor": takedown.frozen_by,
                "reason_digest": takedown.reason_digest,
            }
    if event_type in (EventType.REGISTRATION_REVOKED, EventType.RESTORED):
        recorded = session.scalar(
            select(Registration.takedown_json).where(Registration.leaf == subject)
        )
        revocation = json.loads(recorded) if recorded else {}
        if event_type is EventType.RESTORED and revocation.get("kind") == "revocation":
            # A freeze lifted on chain over a revoked registration restores nothing: it stays
            # revoked on every face, and a platform must not hear `restored` and put it back.
            return
        if event_type is EventType.REGISTRATION_REVOKED and revocation.get("kind") == "revocation":
            # The chain knows the revoking account; the record knows the regulator's decision.
            payload = {
                **payload,
                "authority": revocation.get("authority"),
                "actor": revocation.get("actor"),
            }
    payload = {
        "number": number,
        **payload,
        "block_number": position.block_number,
        "tx_hash": position.tx_hash,
    }
    record_event(
        session,
        event_type,
        subject,
        payload,
        source_key=f"chain:{position.tx_hash}:{position.log_index}",
    )


def _asset(asset_id: int) -> str:
    return asset_id.to_bytes(32, "big").hex()


def _chain_event(event: Any) -> tuple[EventType, str, dict[str, object]] | None:
    match event:
        case Transfer() if event.from_ == ZERO_ADDRESS:  # the mint: the asset now exists
            return (EventType.TOKENIZED, _asset(event.token_id), {"owner": event.to})
        case Transfer():
            return (
                EventType.TRANSFERRED,
                _asset(event.token_id),
                {"from": event.from_, "to": event.to},
            )
        case LicenceGranted():
            return (
                EventType.LICENSED,
                _asset(event.asset_id),
                {
                    "licence_id": event.licence_id,
                    "licensee": event.licensee,
                    "licensor": event.licensor,
                    "rights": event.rights,
                    "territory": event.territory,
                    "start": event.start,
                    "end": event.end,
                    "exclusive": event.exclusive,
                },
            )
        case LicenceRevoked():
            return (
                EventType.LICENCE_REVOKED,
                _asset(event.asset_id),
                {
                    "licence_id": event.licence_id,
                    "licensor": event.licensor,
                    "reason_digest": event.reason_digest.hex(),
                },
            )
        case Pledged():
            return (
                EventType.PLEDGED,
                _asset(event.asset_id),
                {
                    "lien_id": event.lien_id,
                    "lender": event.lender,
                    "owner": event.owner,
                    "rank": event.rank,
                    "amount": str(event.amount),
                    "currency_code": event.currency_code.decode("ascii"),
                    "maturity": event.maturity,
                },
            )
        case LienReduced():
            return (
                EventType.LIEN_REDUCED,
                _asset(event.asset_id),
                {
                    "lien_id": event.lien_id,
                    "lender": event.lender,
                    "old_amount": str(event.old_amount),
                    "amount": str(event.new_amount),
                },
            )
        case LenderChanged():
            return (
                EventType.LENDER_CHANGED,
                _asset(event.asset_id),
                {
                    "lien_id": event.lien_id,
                    "lender": event.new_lender,
                    "old_lender": event.old_lender,
                    "how": event.how.name.lower(),
                },
            )
        case Released():
            return (
                EventType.RELEASED,
                _asset(event.asset_id),
                {"lien_id": event.lien_id, "lender": event.lender},
            )
        case Enforced():
            return (
                EventType.ENFORCED,
                _asset(event.asset_id),
                {"lien_id": event.lien_id, "lender": event.lender, "to": event.to},
            )
        case Frozen():
            return (
                EventType.FROZEN,
                event.target.hex(),
                {"authority": event.authority.name.lower(), "actor": event.actor},
            )
        case Restored():
            return (EventType.RESTORED, event.target.hex(), {"actor": event.actor})
        case RegistrationRevoked():
            return (
                EventType.REGISTRATION_REVOKED,
                event.leaf.hex(),
                {"revoker": event.revoker, "reason_digest": event.reason_digest.hex()},
            )
    return None


def record_registered(session: Session, registration: NewRegistration, *, at: datetime) -> None:
    """The ``registered`` event: the number, the status the moderation hooks gave it (pending,
    held or rejected) and the content's identifiers; for a later claimant of the same content,
    ``first_registration`` (number, claimant, registered_at) too."""
    view = registration.view
    payload: dict[str, object] = {
        "number": view.number,
        "status": view.status,
        "sha256": view.sha256,
        "sm3": view.sm3,
        "cid": view.cid,
        "registrant": view.registrant,
    }
    first = prior_claim(session, view.sha256, view.number, registration.work_id)
    if first is not None:
        payload["first_registration"] = {
            "number": first.number,
            "claimant": first.claimant,
            "registered_at": first.registered_at.isoformat(),
        }
    record_event(session, EventType.REGISTERED, view.leaf, payload, at=at)
