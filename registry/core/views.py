"""What the services return: plain frozen records, independent of the database session."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import joinedload

from registry.core.errors import (
    RegistrationHeld,
    RegistrationRefused,
    RegistrationRevokedForGood,
    TakenDown,
)
from registry.core.models import Batch, Party, Registration, Work
from registry.core.states import BatchStatus, RegistrationStatus

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

ViewT = TypeVar("ViewT", bound="DataclassInstance")

# The kind of a takedown record that is a regulator's revocation of the registration (for good).
REVOCATION = "revocation"


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
class Claimant:
    """One party's claim to a content (its earliest registration of it), in priority order."""

    number: str
    claimant: str | None  # the party's public name, or the registrant key when no party
    party: str | None  # the party's id (``party_…``)
    registered_at: datetime
    anchored_at: datetime | None
    status: str
    taken_down: bool
    revoked: bool = False  # a regulator revoked it for good (taken_down is then true as well)


@dataclass(frozen=True)
class Priority:
    """Who registered the same content (SHA-256) first: the prior claim, later claimants (one
    entry per party, rejected registrations left out), and whether this registration's party
    holds the prior claim. Computed by ``registry.core.priority``."""

    first: Claimant
    later: tuple[Claimant, ...]
    is_first: bool


@dataclass(frozen=True)
class PartyRef:
    """The party a registration belongs to, as the public sees it."""

    party_id: str
    public_name: str


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
    # The chain address bound into its anchored Merkle entry (None: custodial, SM2, or older).
    controller: str | None = None
    # Who registered the same content first (verification answers fill it in; None elsewhere).
    priority: Priority | None = None
    # The party it belongs to (None: a command-line registration with an unlinked key, or older).
    party: PartyRef | None = None

    @property
    def revoked(self) -> bool:
        """A regulator revoked this registration (on chain, for good)."""
        return self.takedown is not None and self.takedown.get("kind") == REVOCATION

    def summary_json(self) -> dict[str, object]:
        """What a registration is, in brief: its number, state, title, claim and digests."""
        return {
            "number": self.number,
            "status": self.status,
            "title": self.title,
            "signing_mode": self.signing_mode,
            "sha256": self.sha256,
            "sm3": self.sm3,
            "cid": self.cid,
        }


def _takedown_of(takedown_json: str | dict[str, object]) -> dict[str, object]:
    return json.loads(takedown_json) if isinstance(takedown_json, str) else takedown_json


def is_revocation(takedown_json: str | dict[str, object] | None) -> bool:
    """Whether a registration's takedown in force is a regulator's revocation (for good)."""
    return takedown_json is not None and _takedown_of(takedown_json).get("kind") == REVOCATION


def refuse_if_taken_down(number: str, takedown_json: str | dict[str, object] | None) -> None:
    """Raise :class:`TakenDown`, with the takedown's reference, while one is in force (or the
    registration was revoked: ``"kind": "revocation"``, for good)."""
    if takedown_json is None:
        return
    takedown = _takedown_of(takedown_json)
    revoked = takedown.get("kind") == REVOCATION
    raise TakenDown(
        f"登记 {number} 已被监管机构撤销 / registration {number} was revoked by a regulator"
        if revoked
        else f"登记 {number} 已下架 / registration {number} is taken down",
        details={"number": number, "takedown": takedown, "revoked": revoked},
    )


def counts_as_registered(views: Iterable[RegistrationView]) -> bool:
    """Whether content is registered, as every face answers it: some registration of it that
    moderation did not reject (one held waits for a decision, and its status says so). A
    rejected registration is recorded and shown, with its status, but registers nothing."""
    return any(view.status != RegistrationStatus.REJECTED for view in views)


def refuse_unless_accepted(view: RegistrationView) -> None:
    """Raise :class:`RegistrationHeld` while a moderator has yet to decide on ``view``, and
    :class:`RegistrationRefused` once it is rejected: neither is vouched for by a certificate
    or a proof (an approval, or a granted appeal, makes it pending again)."""
    if view.status == RegistrationStatus.HELD:
        raise RegistrationHeld(
            f"登记 {view.number} 待审核，审核通过前不出具证书或证明 / registration {view.number} "
            "awaits a moderator's decision: no certificate or proof before it is accepted",
            details={"number": view.number, "status": view.status},
        )
    if view.status == RegistrationStatus.REJECTED:
        raise RegistrationRefused(
            f"登记 {view.number} 经审核未通过，不出具证书或证明 / registration {view.number} "
            "was rejected by moderation: it gets no certificate or proof",
            details={"number": view.number, "status": view.status},
        )


def refuse_if_revoked(number: str, takedown_json: str | dict[str, object] | None) -> None:
    """Raise :class:`RegistrationRevokedForGood` once a regulator revoked the registration: no
    takedown, restore or second revocation changes it."""
    if takedown_json is None:
        return
    takedown = _takedown_of(takedown_json)
    if takedown.get("kind") == REVOCATION:
        raise RegistrationRevokedForGood(
            f"登记 {number} 已被监管机构撤销，永久有效 / registration {number} was revoked by a "
            "regulator, for good",
            details={"number": number, "revocation": takedown},
        )


@dataclass(frozen=True)
class NewRegistration:
    """A registration just written in the current transaction, as the steps after its insert
    (its ``registered`` event, its moderation rows) read it: its rows' ids and its view."""

    id: int
    work_id: int
    view: RegistrationView


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC: SQLite hands back naive datetimes, and every stored time is UTC; an
    aware one (PostgreSQL's, in the session's time zone) is converted."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def view_of(view: type[ViewT], row: object, **computed: object) -> ViewT:
    """The record ``view`` of ``row`` (a database row): each of its fields that is not
    ``computed`` is the row's attribute of that name, a time in UTC (as pydantic's
    ``from_attributes`` reads objects)."""
    values = dict(computed)
    for field in dataclasses.fields(view):
        if field.name not in computed:
            value = getattr(row, field.name)
            values[field.name] = as_utc(value) if isinstance(value, datetime) else value
    return view(**values)


def anchor_view(batch: Batch | None) -> AnchorView | None:
    return None if batch is None else _anchor(batch, batch.status)


def _anchor(batch: Batch | Row[Any], status: str) -> AnchorView:
    """The anchoring of a batch, or of a :data:`REGISTRATION_ROWS` row (its batch's columns)."""
    return view_of(AnchorView, batch, confirmed=status == BatchStatus.CONFIRMED)


def registrations_for_views() -> Select[Registration]:
    """Registrations with what :func:`registration_view` reads (work, batch) in one query."""
    return select(Registration).options(
        joinedload(Registration.work),
        joinedload(Registration.batch),
        joinedload(Registration.party),
    )


def registration_view(registration: Registration) -> RegistrationView:
    anchored = registration.status == RegistrationStatus.ANCHORED
    party = registration.party
    return _view(
        registration,
        registration.work,
        anchor=anchor_view(registration.batch) if anchored else None,
        party=PartyRef(party.party_id, party.public_name) if party is not None else None,
    )


def _view(
    registration: Registration | Row[Any],
    work: Work | Row[Any],
    *,
    anchor: AnchorView | None,
    party: PartyRef | None,
) -> RegistrationView:
    """The view of a registration and its work: ORM objects, or both one
    :data:`REGISTRATION_ROWS` row (whose columns have the same names)."""
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
        anchor=anchor,
        takedown=json.loads(registration.takedown_json) if registration.takedown_json else None,
        controller=registration.controller,
        party=party,
    )


_registrations = Registration.__table__
_works = Work.__table__
_batches = Batch.__table__
_parties = Party.__table__

# The columns a verification answer reads, and nothing else: a Core select (no ORM objects, no
# identity map) for the lookups platforms make many times a second. Built once; callers add
# their WHERE and ORDER BY. Read by :func:`view_of_row` and ``registry.core.priority``.
REGISTRATION_ROWS: Select[Any] = select(
    _registrations.c.id.label("row_id"),
    _registrations.c.number,
    _registrations.c.status,
    _registrations.c.leaf,
    _registrations.c.claim_json,
    _registrations.c.signing_mode,
    _registrations.c.signature,
    _registrations.c.registrant,
    _registrations.c.proof_json,
    _registrations.c.takedown_json,
    _registrations.c.controller,
    _registrations.c.created_at,
    _works.c.sha256,
    _works.c.sm3,
    _works.c.size,
    _works.c.title,
    _works.c.metadata_json,
    _works.c.cid,
    _works.c.iscc_data,
    _works.c.iscc_instance,
    _works.c.iscc_content,
    _works.c.published_at,
    _works.c.isbn,
    _batches.c.root,
    _batches.c.chain_id,
    _batches.c.contract_address,
    _batches.c.tx_hash,
    _batches.c.block_number,
    _batches.c.anchored_at,
    _batches.c.status.label("batch_status"),
    _parties.c.id.label("party_row"),
    _parties.c.party_id,
    _parties.c.public_name,
).select_from(
    _registrations.join(_works, _registrations.c.work_id == _works.c.id)
    .outerjoin(_batches, _registrations.c.batch_id == _batches.c.id)
    .outerjoin(_parties, _registrations.c.party_id == _parties.c.id)
)


def view_of_row(row: Row[Any]) -> RegistrationView:
    """The view of one :data:`REGISTRATION_ROWS` row: the same as :func:`registration_view` of
    the registration it is."""
    anchored = row.status == RegistrationStatus.ANCHORED and row.root is not None
    return _view(
        row,
        row,
        anchor=_anchor(row, row.batch_status) if anchored else None,
        party=PartyRef(row.party_id, row.public_name) if row.party_row is not None else None,
    )
