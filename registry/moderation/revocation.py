"""Revoking one registration (撤销登记): a regulator's decision, for good, on ``RegistryAnchor``.

``RegistryAnchor.revokeRegistration(leaf, reasonDigest)`` (``REGULATOR_ROLE``) marks the claim
leaf revoked under every root that holds it: the chain then answers ``revoked`` for its proof and
``RightsAsset`` refuses to tokenize it, while its batch's other registrations stay valid. The
reason text stays in the database and its SHA-256 goes on chain, as for a takedown; the
revocation is recorded where a takedown in force is (the registration's ``takedown_json``, with
``"kind": "revocation"``), so every face that tells of a takedown — the verification answers and
page, the certificate's refusal, the command line — tells of the revocation on the same path. No
restore lifts it, and it is not revoked twice.

A regulator may also revoke on chain directly, a registration (``revokeRegistration``) or a
whole batch root (``revokeRoot``), with a key of its own: the event follower then records the
revocation here the same way (:func:`record_chain_revocation`), so no face keeps saying
``anchored`` of what the chain says is revoked.

Refused before anything is sent: :class:`AuthorityTooLow` (only a regulator's authority
revokes), :class:`RegistrationNotFound`, :class:`RegistrationRevokedForGood` (revoked already),
:class:`ContractsNotConfigured` (the registry's account lacks ``REGULATOR_ROLE`` on the anchor).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chain_client.registry_anchor import REGULATOR_ROLE, RegistryAnchorClient
from registry.core.chain_refusals import chain_refusals
from registry.core.database import unit_of_work
from registry.core.errors import AuthorityTooLow
from registry.core.models import Registration
from registry.core.views import REVOCATION, is_revocation, refuse_if_revoked
from registry.moderation.audit import append_audit
from registry.moderation.events import ModerationEvent, ModerationEvents, publish
from registry.moderation.takedown import _checked, _registration, reason_digest, require_role

ACTION: Final = "registration_revoked"


@dataclass(frozen=True)
class RevocationView:
    """A registration revoked: why, by whom, and the transaction that recorded it on chain
    (None when it was revoked on chain by another path and is recorded here after)."""

    registration: str
    leaf: str
    authority: str
    reason: str
    reason_digest: str
    revoked_by: str
    tx_hash: str | None
    revoked_at: datetime


def revoke_registration(
    sessions: sessionmaker[Session],
    anchor: RegistryAnchorClient,
    reference: str,
    *,
    reason: str,
    actor: str,
    authority: str,
    now: Callable[[], datetime],
    events: ModerationEvents | None = None,
) -> RevocationView:
    """Revoke registration ``reference`` (number, or leaf / asset id) on chain, for ``reason``,
    as the regulator ``actor`` decided; recorded, audited and published as
    ``registration_revoked``."""
    reason = _checked(reason, authority)
    with sessions() as session:
        registration = _registration(session, reference)
        number, leaf, registration_id = registration.number, registration.leaf, registration.id
        if authority != "regulator":
            raise AuthorityTooLow(
                "only a regulator revokes a registration; a moderator takes it down",
                details={"registration": number, "authority": authority},
            )
        refuse_if_revoked(number, registration.takedown_json)
    require_role(
        anchor,
        (REGULATOR_ROLE,),
        "the registry's account lacks REGULATOR_ROLE on RegistryAnchor; grant it",
    )
    digest = reason_digest(reason)
    with chain_refusals():
        tx_hash = (
            None
            if anchor.is_registration_revoked(bytes.fromhex(leaf))
            else anchor.revoke_registration(bytes.fromhex(leaf), digest).position.tx_hash
        )
    at = now()
    view = RevocationView(number, leaf, authority, reason, digest.hex(), actor, tx_hash, at)
    record = _revocation_record(
        authority=authority, actor=actor, reason=reason, reason_digest=digest.hex(),
        tx_hash=tx_hash, at=at,
    )  # fmt: skip
    with unit_of_work(sessions) as session:
        row = session.get_one(Registration, registration_id)
        row.takedown_json = json.dumps(record, ensure_ascii=False)
        append_audit(
            session,
            actor=actor,
            action=ACTION,
            subject=f"registration:{number}",
            payload={
                key: record[key] for key in ("authority", "reason", "reason_digest", "tx_hash")
            },
            at=at,
        )
    publish(events, ModerationEvent(ACTION, at, number, details={"tx_hash": tx_hash}))
    return view


# What a revocation made on chain alone says in words: its reason text is not on chain.
CHAIN_ONLY_REASON: Final = (
    "监管机构在链上直接撤销，理由原文未提交本登记系统（见理由摘要）"
    " / revoked on chain by a regulator directly; the reason text was not given to this registry"
    " (see the reason digest)"
)


def record_chain_revocation(
    session: Session,
    leaves: Iterable[str],
    *,
    revoker: str,
    reason_digest: str,
    tx_hash: str,
    at: datetime,
    root: str | None = None,
) -> dict[str, str]:
    """Record on the registrations of ``leaves`` a revocation the chain holds (a regulator's
    ``revokeRegistration``, or with ``root`` its ``revokeRoot``), where a revocation made through
    the registry is recorded; the registrations newly recorded, their numbers by leaf (one
    revoked already keeps its record, with the regulator's reason)."""
    recorded: dict[str, str] = {}
    rows = session.execute(
        select(
            Registration.id, Registration.leaf, Registration.number, Registration.takedown_json
        ).where(Registration.leaf.in_(list(leaves)))
    )
    for registration_id, leaf, number, takedown_json in rows:
        if is_revocation(takedown_json):
            continue
        record = _revocation_record(
            authority="regulator", actor=revoker, reason=CHAIN_ONLY_REASON,
            reason_digest=reason_digest, tx_hash=tx_hash, at=at,
        )  # fmt: skip
        if root is not None:
            record["root"] = root
        session.get_one(Registration, registration_id).takedown_json = json.dumps(
            record, ensure_ascii=False
        )
        recorded[leaf] = number
    return recorded


def _revocation_record(
    *,
    authority: str,
    actor: str,
    reason: str,
    reason_digest: str,
    tx_hash: str | None,
    at: datetime,
) -> dict[str, object]:
    """A revocation as a registration's ``takedown_json`` records it, whichever path made it."""
    return {
        "kind": REVOCATION,
        "revoked": True,
        "authority": authority,
        "actor": actor,
        "reason": reason,
        "reason_digest": reason_digest,
        "tx_hash": tx_hash,
        "taken_down_at": at.isoformat(),
    }
