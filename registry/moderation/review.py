"""The review queue: what the hooks said about each registration, held items, complaints and
appeals, and the moderators' decisions.

A held registration waits with status ``held`` (the worker seals only ``pending``); accepting it
moves it to ``pending`` once — the change is a conditional update, so two decisions cannot both
apply. A rejected registration keeps status ``rejected`` and is never anchored.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from chain_client.moderation import ModerationClient
from registry.content import IngestedContent
from registry.core.database import unit_of_work
from registry.core.errors import (
    AppealNotAllowed,
    AppealOutdated,
    ConflictOfInterest,
    InvalidInput,
    NotOwnRegistration,
    NotRegistrant,
    PublicationHeld,
    PublicationRejected,
    RegistrationNotFound,
    ReviewItemClaimed,
    ReviewItemClosed,
    ReviewItemNotFound,
    SameModerator,
)
from registry.core.events import EventType, record_event
from registry.core.metadata import WorkMetadata
from registry.core.models import ApiKey, Registration, ReviewItem, Takedown
from registry.core.states import (
    REGISTRATION_WITHHELD,
    REVIEW_WAITING,
    RegistrationStatus,
    ReviewItemStatus,
)
from registry.core.views import NewRegistration, refuse_if_revoked, view_of
from registry.moderation.audit import AuditLine, append_audit, append_audits
from registry.moderation.events import ModerationEvent, ModerationEvents, publish
from registry.moderation.hooks import (
    MAX_TEXT_BYTES,
    HookChain,
    HookResult,
    LazyText,
    ModerationOutcome,
    Subject,
    Verdict,
)
from registry.moderation.similarity import code_bits, index_work

HOOKS = "hooks"  # the actor of what the hooks decided

STATUS_OF_VERDICT = {
    Verdict.ACCEPT: RegistrationStatus.PENDING,
    Verdict.HOLD: RegistrationStatus.HELD,
    Verdict.REJECT: RegistrationStatus.REJECTED,
}
ITEM_STATUS_OF_VERDICT = {
    Verdict.ACCEPT: ReviewItemStatus.ACCEPTED,
    Verdict.HOLD: ReviewItemStatus.OPEN,
    Verdict.REJECT: ReviewItemStatus.REJECTED,
}


@dataclass(frozen=True)
class ModerationGate:
    """The hook chain a registration passes, who submits it, and where decisions are told."""

    chain: HookChain
    submitted_by: str | None = None
    events: ModerationEvents | None = None

    def evaluate(
        self,
        sessions: sessionmaker[Session],
        stored: IngestedContent,
        metadata: WorkMetadata,
        registrant: str | None,
        content: BinaryIO | None,
        now: datetime,
        action: str = "register",
        party: int | None = None,
    ) -> ModerationOutcome:
        subject = Subject(
            action=action,
            sha256=stored.digests.sha256_hex,
            sm3=stored.digests.sm3_hex,
            cid=stored.cid,
            size=stored.size,
            title=metadata.title,
            metadata=metadata.to_json(),
            iscc_data=stored.iscc_data,
            iscc_content=stored.iscc_content,
            registrant=self.claimant(registrant),
            text=LazyText(content),
            party=party,
        )
        return self.chain.run(subject, sessions, now)

    def claimant(self, registrant: str | None) -> str | None:
        """Who the hooks see claiming the work: its registrant, else the submitting key."""
        return registrant or (f"key:{self.submitted_by}" if self.submitted_by else None)


def status_after(outcome: ModerationOutcome | None) -> RegistrationStatus:
    return RegistrationStatus.PENDING if outcome is None else STATUS_OF_VERDICT[outcome.verdict]


def record_moderation(
    session: Session,
    registration: NewRegistration,
    gate: ModerationGate | None,
    outcome: ModerationOutcome | None,
    at: datetime,
) -> None:
    """In the registration's transaction: index the work's ISCC codes, keep the hook results
    (a review item, open when held) and audit them."""
    view = registration.view
    index_work(session, registration.work_id, view.iscc_data, view.iscc_content)
    if gate is None or outcome is None:
        return
    _keep_hook_results(
        session,
        "registration",
        (registration.id, view.number),
        gate,
        outcome,
        at,
        decision_reason="; ".join(r for res in outcome.results for r in res.reasons) or None,
        then=lambda item_id: AuditLine(
            actor=HOOKS,
            action=f"registration.{view.status}",
            subject=f"registration:{view.number}",
            payload={"review_item": item_id, "submitted_by": gate.submitted_by},
        ),
    )


def announce_registration(
    gate: ModerationGate | None, number: str, status: str, at: datetime
) -> None:
    if gate is not None and status in REGISTRATION_WITHHELD:
        publish(gate.events, ModerationEvent(f"registration.{status}", at, number, status))


# ----------------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class ReviewItemView:
    id: int
    kind: str
    status: str
    registration: str | None
    registration_status: str | None
    related_registration: str | None
    appeal_of_item: int | None
    appeal_of_takedown: int | None
    hook_results: list[dict[str, object]]
    submitted_by: str | None
    statement: str | None
    claimed_by: str | None
    decided_by: str | None
    decision_reason: str | None
    decided_at: datetime | None
    created_at: datetime


def _number(session: Session, registration_id: int | None) -> tuple[str | None, str | None]:
    if registration_id is None:
        return None, None
    registration = session.get_one(Registration, registration_id)
    return registration.number, registration.status


def review_item_view(session: Session, item: ReviewItem) -> ReviewItemView:
    number, status = _number(session, item.registration_id)
    related, _ = _number(session, item.related_registration_id)
    return view_of(
        ReviewItemView,
        item,
        registration=number,
        registration_status=status,
        related_registration=related,
        appeal_of_item=item.appeal_of_item_id,
        appeal_of_takedown=item.appeal_of_takedown_id,
        hook_results=json.loads(item.hook_results_json) if item.hook_results_json else [],
    )


def list_review_items(
    sessions: sessionmaker[Session],
    *,
    status: str | None = None,
    kind: str | None = None,
    registration: str | None = None,
    limit: int = 100,
) -> list[ReviewItemView]:
    """Review items, oldest first; ``status=None`` means the ones waiting (open or claimed)."""
    with sessions() as session:
        query = select(ReviewItem).order_by(ReviewItem.id).limit(limit)
        if status is None:
            query = query.where(ReviewItem.status.in_(REVIEW_WAITING))
        elif status != "all":
            query = query.where(ReviewItem.status == status)
        if kind is not None:
            query = query.where(ReviewItem.kind == kind)
        if registration is not None:
            registration_id = _registration_id(session, registration)
            query = query.where(ReviewItem.registration_id == registration_id)
        return [review_item_view(session, item) for item in session.scalars(query)]


def get_review_item(sessions: sessionmaker[Session], item_id: int) -> ReviewItemView:
    with sessions() as session:
        return review_item_view(session, _item(session, item_id))


def _item(session: Session, item_id: int, *, lock: bool = False) -> ReviewItem:
    item = session.get(ReviewItem, item_id, with_for_update=lock)
    if item is None:
        raise ReviewItemNotFound(f"no review item {item_id}", details={"id": item_id})
    return item


def _registration_id(session: Session, number: str) -> int:
    found = session.scalar(select(Registration.id).where(Registration.number == number))
    if found is None:
        raise RegistrationNotFound.numbered(number)
    return found


def _original_decider(session: Session, item: ReviewItem) -> str | None:
    if item.appeal_of_item_id is not None:
        return session.get_one(ReviewItem, item.appeal_of_item_id).decided_by
    if item.appeal_of_takedown_id is not None:
        return session.get_one(Takedown, item.appeal_of_takedown_id).frozen_by
    return None


def _take(
    session: Session, item: ReviewItem, moderator: str, moderator_party: int | None, at: datetime
) -> None:
    """Claim ``item`` for ``moderator`` (again: no change), refusing what cannot be."""
    _check_can_take(session, item, moderator, moderator_party)
    if item.status == ReviewItemStatus.OPEN:
        item.status, item.claimed_by, item.claimed_at = ReviewItemStatus.CLAIMED, moderator, at
        append_audit(
            session,
            actor=moderator,
            action="review.claimed",
            subject=f"review:{item.id}",
            payload={},
            at=at,
        )


def _check_can_take(
    session: Session, item: ReviewItem, moderator: str, moderator_party: int | None
) -> None:
    if item.status not in REVIEW_WAITING:
        raise ReviewItemClosed(
            f"review item {item.id} was decided already",
            details={"id": item.id, "status": item.status},
        )
    if item.status == ReviewItemStatus.CLAIMED and item.claimed_by != moderator:
        raise ReviewItemClaimed(
            f"review item {item.id} is claimed by another moderator",
            details={"id": item.id, "claimed_by": item.claimed_by},
        )
    if item.kind == "appeal" and _original_decider(session, item) == moderator:
        raise SameModerator(
            "an appeal is decided by another moderator than the one who decided first",
            details={"id": item.id},
        )
    if _is_party_to(session, item, moderator, moderator_party):
        raise ConflictOfInterest(
            "审核员不得审理本密钥或本方为当事方的事项 / a moderator does not decide a matter its "
            "key or its party is party to",
            details={"id": item.id},
        )


def _is_party_to(
    session: Session, item: ReviewItem, moderator: str, moderator_party: int | None
) -> bool:
    """Whether ``moderator`` (a key id) or its party (``moderator_party``; None for the operator
    at the command line, nobody's party) is party to ``item``: the key that filed it (the
    complainant, the appellant, the submitter of a registration) or its party, the registrations
    under review (a complaint's two works), their submitting keys or parties, and for an appeal
    of a takedown the complainants upheld against the work, or their parties."""
    registrations = [
        session.get_one(Registration, registration_id)
        for registration_id in (item.registration_id, item.related_registration_id)
        if registration_id is not None
    ]
    filed_by = [item.submitted_by, *(r.submitted_by for r in registrations)]
    if item.kind == "appeal" and item.appeal_of_takedown_id is not None:
        # The other side of a takedown's appeal: whoever complained of the work and was upheld
        # (the takedown records no complaint of its own; every upheld one is counted).
        filed_by += session.scalars(
            select(ReviewItem.submitted_by).where(
                ReviewItem.kind == "complaint",
                ReviewItem.registration_id == item.registration_id,
                ReviewItem.status == ReviewItemStatus.ACCEPTED,
            )
        )
    keys = {key for key in filed_by if key is not None}
    if moderator in keys:
        return True
    if moderator_party is None:
        return False
    parties = {r.party_id for r in registrations} | set(
        session.scalars(select(ApiKey.party_id).where(ApiKey.key_id.in_(keys)))
    )
    return moderator_party in parties


def claim_review_item(
    sessions: sessionmaker[Session],
    item_id: int,
    *,
    moderator: str,
    now: Callable[[], datetime],
    moderator_party: int | None = None,
) -> ReviewItemView:
    with unit_of_work(sessions) as session:
        item = _item(session, item_id, lock=True)
        _take(session, item, moderator, moderator_party, now())
        return review_item_view(session, item)


def _move_registration(
    session: Session, registration_id: int, from_: RegistrationStatus, to: RegistrationStatus
) -> bool:
    """``from_`` → ``to`` if the registration is still ``from_`` (exactly once)."""
    result = session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.status == from_)
        .values(status=to)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _refuse_if_outdated(session: Session, item_id: int, takedown_id: int) -> None:
    """:class:`AppealOutdated` once the takedown appealed was restored: a later takedown of the
    work is another decision, which this appeal does not lift."""
    appealed = session.get_one(Takedown, takedown_id)
    if appealed.restored_at is not None:
        raise AppealOutdated(
            "申诉所针对的下架已不再生效 / the takedown appealed is no longer in force",
            details={"id": item_id, "appeal_of_takedown": takedown_id},
        )


def decide_review_item(
    sessions: sessionmaker[Session],
    item_id: int,
    *,
    moderator: str,
    accept: bool,
    reason: str,
    now: Callable[[], datetime],
    authority: str = "moderator",
    events: ModerationEvents | None = None,
    moderation: Callable[[str], ModerationClient] | None = None,
    moderator_party: int | None = None,
) -> ReviewItemView:
    """Accept or reject a review item (claiming it if nobody has). Accepting a held registration
    sends it on to anchoring (``pending``); rejecting keeps it ``rejected`` for good unless an
    appeal succeeds. Accepting a complaint takes the accused registration down, accepting an
    appeal of a takedown restores that takedown if it is still the one in force
    (:class:`AppealOutdated` otherwise); both need a reason and act on chain through
    ``moderation`` (the contract sending as the account of an authority), before the decision is
    recorded: a refusal records nothing. A moderator whose
    key or party (``moderator_party``) is party to the item decides nothing
    (:class:`ConflictOfInterest`)."""
    from registry.moderation import takedown

    reason = reason.strip()
    if not accept and not reason:
        raise InvalidInput("a rejection needs a reason", details={"field": "reason"})
    at = now()
    with sessions() as session:  # check first: nothing is sent for a decision that cannot be
        item = _item(session, item_id)
        _check_can_take(session, item, moderator, moderator_party)
        kind, registration_id = item.kind, item.registration_id
        appealed = item.appeal_of_takedown_id if kind == "appeal" else None
        on_chain = accept and (kind == "complaint" or appealed is not None)
        if on_chain and not reason:  # as a direct takedown or restore needs one
            raise InvalidInput(
                "维持投诉或准予下架申诉须说明理由 / upholding a complaint or granting a takedown "
                "appeal needs a reason",
                details={"field": "reason"},
            )
        if on_chain and appealed is not None:
            _refuse_if_outdated(session, item.id, appealed)
        number, _ = _number(session, registration_id)
    if on_chain and number is not None:
        if moderation is None:
            raise InvalidInput("this decision needs the Moderation contract")
        act = takedown.take_down if kind == "complaint" else takedown.restore
        act(
            sessions,
            moderation,  # the contract by authority, resolved once the checks passed
            number,
            reason=f"review item {item_id}: {reason}",
            actor=moderator,
            authority=authority,
            now=now,
            events=events,
            appealed=appealed,  # the restore re-checks it is still the takedown in force
        )
    with unit_of_work(sessions) as session:
        item = _item(session, item_id, lock=True)
        _take(session, item, moderator, moderator_party, at)
        item.status = ReviewItemStatus.ACCEPTED if accept else ReviewItemStatus.REJECTED
        item.decided_by, item.decided_at, item.decision_reason = moderator, at, reason or None
        if kind == "registration" and registration_id is not None:
            _move_registration(
                session,
                registration_id,
                RegistrationStatus.HELD,
                RegistrationStatus.PENDING if accept else RegistrationStatus.REJECTED,
            )
        elif kind == "appeal" and accept and item.appeal_of_item_id is not None:
            if registration_id is None:
                raise RegistrationNotFound("the appealed review item names no registration")
            _move_registration(
                session, registration_id, RegistrationStatus.REJECTED, RegistrationStatus.PENDING
            )
        append_audit(
            session,
            actor=moderator,
            action="review.decided",
            subject=f"review:{item.id}",
            payload={"accept": accept, "reason": reason, "kind": kind, "registration": number},
            at=at,
        )
        view = review_item_view(session, item)
        _record_decision(session, item, view, accept=accept, authority=authority, at=at)
    publish(
        events,
        ModerationEvent(
            "review.decided",
            at,
            number,
            view.registration_status,
            review_item_id=item_id,
            details={"accept": accept, "kind": kind, "reason": reason},
        ),
    )
    return view


# The decision on a review item in words, by kind and outcome: its name in the
# ``review_decided`` event, and what it means for the work (zh-CN, English).
DECISIONS: dict[tuple[str, bool], tuple[str, str, str]] = {
    ("registration", True): (
        "approved",
        "登记经审核通过，将上链存证",
        "The registration was approved after review and will be anchored",
    ),
    ("registration", False): (
        "rejected",
        "登记经审核未通过，不会上链",
        "The registration was rejected after review and will not be anchored",
    ),
    ("publication", True): (
        "approved",
        "公开发布经审核通过，可再次发布",
        "The publication was approved after review: publishing again goes through",
    ),
    ("publication", False): (
        "rejected",
        "公开发布经审核未通过，内容保持不公开",
        "The publication was rejected after review: the content stays private",
    ),
    ("complaint", True): (
        "upheld",
        "针对该作品的投诉成立，作品已下架",
        "A complaint against the work was upheld: the work is taken down",
    ),
    ("complaint", False): (
        "dismissed",
        "针对该作品的投诉不成立",
        "A complaint against the work was dismissed",
    ),
    ("appeal", True): (
        "granted",
        "申诉成立，原决定撤销",
        "The appeal was granted: the earlier decision is reversed",
    ),
    ("appeal", False): (
        "denied",
        "申诉未获支持，原决定维持",
        "The appeal was denied: the earlier decision stands",
    ),
}


def _record_decision(
    session: Session,
    item: ReviewItem,
    view: ReviewItemView,
    *,
    accept: bool,
    authority: str,
    at: datetime,
) -> None:
    """The ``review_decided`` event of the work, in the decision's transaction: what was decided
    and why, by which role (never who: a registrant hears the decision, not the reviewer)."""
    if item.registration_id is None:
        return
    registration = session.get_one(Registration, item.registration_id)
    decision, in_chinese, in_english = DECISIONS[(item.kind, accept)]
    record_event(
        session,
        EventType.REVIEW_DECIDED,
        registration.leaf,
        {
            "number": registration.number,
            "review_item": item.id,
            "kind": item.kind,
            "decision": decision,
            "reason": item.decision_reason,
            "decided_by_role": authority,
            "registration_status": view.registration_status,
            "summary": {"zh-CN": in_chinese, "en": in_english},
        },
        at=at,
    )


# ----------------------------------------------------------------------- complaints and appeals


def file_complaint(
    sessions: sessionmaker[Session],
    *,
    accused: str,
    complainant_work: str | None,
    complainant: str,
    statement: str,
    now: Callable[[], datetime],
    complainant_party: int | None = None,
    events: ModerationEvents | None = None,
) -> ReviewItemView:
    """An infringement notice: a review item linking the accused registration and, when given,
    the complainant's own registered work, with the evidence of how alike the two are (same
    bytes, ISCC Data-Code and Content-Code distances) for the moderator who decides. The work
    cited must be the complainant's (of ``complainant_party``, or submitted by its key:
    :class:`NotOwnRegistration`) and not the accused one itself (:class:`InvalidInput`)."""
    if not statement.strip():
        raise InvalidInput("a complaint needs a statement", details={"field": "statement"})
    at = now()
    with unit_of_work(sessions) as session:
        accused_id = _registration_id(session, accused)
        related_id = None
        if complainant_work:
            related_id = _registration_id(session, complainant_work)
            _check_cited_work(session, accused_id, related_id, complainant, complainant_party)
        evidence = (
            [similarity_evidence(session, accused_id, related_id).to_json()]
            if related_id is not None
            else None
        )
        item = ReviewItem(
            kind="complaint",
            status=ReviewItemStatus.OPEN,
            registration_id=accused_id,
            related_registration_id=related_id,
            hook_results_json=json.dumps(evidence) if evidence else None,
            submitted_by=complainant,
            statement=statement.strip(),
            created_at=at,
        )
        payload = {"complainant_work": complainant_work}
        view = _file(session, item, complainant, accused, payload, at)
    publish(events, ModerationEvent("complaint.filed", at, accused, review_item_id=view.id))
    return view


def _check_cited_work(
    session: Session, accused_id: int, cited_id: int, complainant: str, party: int | None
) -> None:
    """The work a complaint cites as the complainant's own is another than the accused one, and
    is the complainant's: of its party, or submitted by its key (a key of no party)."""
    if cited_id == accused_id:
        raise InvalidInput(
            "投诉方作品不能是被投诉的作品本身 / the complainant's work cannot be the work "
            "complained about",
            details={"field": "complainant_work"},
        )
    cited = session.get_one(Registration, cited_id)
    own_party = party is not None and cited.party_id == party
    if not (own_party or (cited.submitted_by is not None and cited.submitted_by == complainant)):
        raise NotOwnRegistration(
            "投诉所引作品不是投诉方的作品 / the work cited is not the complainant's own",
            details={"field": "complainant_work", "complainant_work": cited.number},
        )


def file_appeal(
    sessions: sessionmaker[Session],
    number: str,
    *,
    appellant: str,
    statement: str,
    now: Callable[[], datetime],
    may_act_for_anyone: bool = False,
    appellant_party: int | None = None,
    events: ModerationEvents | None = None,
) -> ReviewItemView:
    """The registrant appeals the rejection of ``number``, or the takedown in force on it; once
    per decision (:class:`AppealNotAllowed` otherwise), and never once a regulator revoked it
    (:class:`RegistrationRevokedForGood`: no decision on appeal lifts that). Any key of the
    registering party may (``appellant_party``), or the key that submitted it."""
    if not statement.strip():
        raise InvalidInput("an appeal needs a statement", details={"field": "statement"})
    at = now()
    with unit_of_work(sessions) as session:
        registration_id = _registration_id(session, number)
        registration = session.get_one(Registration, registration_id)
        record = session.scalar(
            select(ReviewItem)
            .where(ReviewItem.registration_id == registration_id, ReviewItem.kind == "registration")
            .order_by(ReviewItem.id)
            .limit(1)
        )
        submitted_by = record.submitted_by if record is not None else registration.submitted_by
        own_party = appellant_party is not None and registration.party_id == appellant_party
        if not (may_act_for_anyone or own_party or (submitted_by and submitted_by == appellant)):
            raise NotRegistrant(
                "only the party that registered the work may appeal",
                details={"registration": number},
            )
        refuse_if_revoked(number, registration.takedown_json)
        appeal = ReviewItem(
            kind="appeal",
            status=ReviewItemStatus.OPEN,
            registration_id=registration_id,
            submitted_by=appellant,
            statement=statement.strip(),
            created_at=at,
        )
        active = session.scalar(
            select(Takedown).where(
                Takedown.registration_id == registration_id, Takedown.restored_at.is_(None)
            )
        )
        if active is not None:
            appeal.appeal_of_takedown_id = active.id
            taken = session.scalar(
                select(ReviewItem.id).where(ReviewItem.appeal_of_takedown_id == active.id)
            )
        elif registration.status == RegistrationStatus.REJECTED:
            decision = session.scalar(
                select(ReviewItem)
                .where(
                    ReviewItem.registration_id == registration_id,
                    ReviewItem.kind.in_(("registration", "appeal")),
                    ReviewItem.status == ReviewItemStatus.REJECTED,
                )
                .order_by(ReviewItem.id.desc())
                .limit(1)
            )
            if decision is None or decision.kind == "appeal":
                raise AppealNotAllowed(
                    "the rejection was appealed already", details={"registration": number}
                )
            appeal.appeal_of_item_id = decision.id
            taken = session.scalar(
                select(ReviewItem.id).where(ReviewItem.appeal_of_item_id == decision.id)
            )
        else:
            raise AppealNotAllowed(
                "nothing to appeal: the registration is neither rejected nor taken down",
                details={"registration": number, "status": registration.status},
            )
        if taken is not None:
            raise AppealNotAllowed(
                "this decision was appealed already",
                details={"registration": number, "appeal": taken},
            )
        appealed = {
            "appeal_of_item": appeal.appeal_of_item_id,
            "appeal_of_takedown": appeal.appeal_of_takedown_id,
        }
        view = _file(session, appeal, appellant, number, appealed, at)
    publish(events, ModerationEvent("appeal.filed", at, number, review_item_id=view.id))
    return view


def _file(
    session: Session,
    item: ReviewItem,
    actor: str,
    number: str,
    payload: Mapping[str, object],
    at: datetime,
) -> ReviewItemView:
    """Keep ``actor``'s complaint or appeal against registration ``number``, audited as
    ``<kind>.filed`` (the review item, ``payload``, the statement); its view."""
    session.add(item)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action=f"{item.kind}.filed",
        subject=f"registration:{number}",
        payload={"review_item": item.id, **payload, "statement": item.statement},
        at=at,
    )
    return review_item_view(session, item)


# -------------------------------------------------------------------------------- publication


def _spooled(chunks: Iterator[bytes], limit: int) -> BinaryIO:
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 (closed by caller)
    for chunk in chunks:
        if spool.tell() + len(chunk) > limit:
            break
        spool.write(chunk)
    spool.seek(0)
    return spool  # type: ignore[return-value]


def check_publication(
    gate: ModerationGate,
    sessions: sessionmaker[Session],
    number: str,
    plaintext: Callable[[], Iterator[bytes]],
    now: datetime,
) -> None:
    """The hook chain for publishing a private work (the text read from ``plaintext``).

    Accepted → returns. Held → :class:`PublicationHeld` with the review item; once a moderator
    accepts it, publishing again goes through without the hooks. Rejected →
    :class:`PublicationRejected`. Either way the results are kept and audited.
    """
    with sessions() as session:
        registration_id = _registration_id(session, number)
        registration = session.get_one(Registration, registration_id)
        work = registration.work
        previous = session.scalar(
            select(ReviewItem)
            .where(ReviewItem.registration_id == registration_id, ReviewItem.kind == "publication")
            .order_by(ReviewItem.id.desc())
            .limit(1)
        )
        if previous is not None and previous.status == ReviewItemStatus.ACCEPTED:
            return
        if previous is not None and previous.status in REVIEW_WAITING:
            raise PublicationHeld(
                "the publication waits for a moderator",
                details={"registration": number, "review_item": previous.id},
            )
        subject = Subject(
            action="publish",
            sha256=work.sha256,
            sm3=work.sm3,
            cid=work.cid,
            size=work.size,
            title=work.title,
            metadata=json.loads(work.metadata_json),
            iscc_data=work.iscc_data,
            iscc_content=work.iscc_content,
            registrant=gate.claimant(registration.registrant),
            party=registration.party_id,
        )
    with _spooled(plaintext(), MAX_TEXT_BYTES) as text_source:
        subject = dataclasses.replace(subject, text=LazyText(text_source))
        outcome = gate.chain.run(subject, sessions, now)
    with unit_of_work(sessions) as session:
        registration_ref = (registration_id, number)
        item_id = _keep_hook_results(session, "publication", registration_ref, gate, outcome, now)
    details = {"registration": number, "review_item": item_id, "results": outcome.results_json()}
    if outcome.verdict is Verdict.HOLD:
        publish(
            gate.events, ModerationEvent("publication.held", now, number, review_item_id=item_id)
        )
        raise PublicationHeld("the publication is held for a moderator", details=details)
    if outcome.verdict is Verdict.REJECT:
        raise PublicationRejected("moderation refused the publication", details=details)


def moderation_of(
    sessions: sessionmaker[Session], number: str, *, requester: str, may_see_all: bool = False
) -> list[ReviewItemView]:
    """What moderation decided about registration ``number`` (hook results, decisions, appeals),
    for the key that submitted it, or for moderators (``may_see_all``). The registrant reads
    what was decided and why, never which moderator claimed or decided it (nor do its
    webhooks tell)."""
    with sessions() as session:
        registration_id = _registration_id(session, number)
        items = list(
            session.scalars(
                select(ReviewItem)
                .where(ReviewItem.registration_id == registration_id)
                .order_by(ReviewItem.id)
            )
        )
        own = [i for i in items if i.kind in ("registration", "publication", "appeal")]
        if not may_see_all and not any(i.submitted_by == requester for i in own):
            raise NotRegistrant(
                "only the key that submitted the registration (or a moderator) may read this",
                details={"registration": number},
            )
        if may_see_all:
            return [review_item_view(session, i) for i in items]
        return [
            dataclasses.replace(review_item_view(session, i), claimed_by=None, decided_by=None)
            for i in own
        ]


def _keep_hook_results(
    session: Session,
    kind: str,
    registration: tuple[int, str],
    gate: ModerationGate,
    outcome: ModerationOutcome,
    at: datetime,
    *,
    decision_reason: str | None = None,
    then: Callable[[int], AuditLine] | None = None,
) -> int:
    """The review item of what the hooks said of a ``registration`` (id, number) or of its
    publication (``kind``): open when they held it, decided by them otherwise; with one audit
    line per hook result, in the order the hooks ran, and ``then``'s line of the item after
    them. The item's id. (Core inserts: every registration writes these, and nothing reads
    them back as objects in its transaction.)"""
    registration_id, number = registration
    decided = outcome.verdict is not Verdict.HOLD
    item_id: int = (
        session.connection()
        .execute(
            _INSERT_ITEM,
            {
                "kind": kind,
                "status": ITEM_STATUS_OF_VERDICT[outcome.verdict],
                "registration_id": registration_id,
                "hook_results_json": json.dumps(outcome.results_json(), ensure_ascii=False),
                "submitted_by": gate.submitted_by,
                "decided_by": HOOKS if decided else None,
                "decided_at": at if decided else None,
                "decision_reason": decision_reason,
                "created_at": at,
            },
        )
        .scalar_one()
    )
    lines = [
        AuditLine(f"hook:{result.hook}", "hook.result", f"{kind}:{number}", result.to_json())
        for result in outcome.results
    ]
    if then is not None:
        lines.append(then(item_id))
    append_audits(session, lines, at=at)
    return item_id


_INSERT_ITEM = insert(ReviewItem).returning(ReviewItem.id)


def similarity_evidence(session: Session, accused_id: int, other_id: int) -> HookResult:
    """How alike two registered works are: the same bytes (SHA-256), and the Hamming distances
    of their ISCC Data-Codes (the bytes) and Content-Codes (the text), 0 to 64 bits; a
    moderator's evidence, never a verdict."""
    accused = session.get_one(Registration, accused_id).work
    other = session.get_one(Registration, other_id).work
    distance: dict[str, int | None] = {}
    for kind, mine, theirs in (
        ("data", accused.iscc_data, other.iscc_data),
        ("content", accused.iscc_content, other.iscc_content),
    ):
        a, b = code_bits(mine), code_bits(theirs)
        distance[kind] = None if a is None or b is None else (a ^ b).bit_count()
    identical = accused.sha256 == other.sha256
    known = [d for d in distance.values() if d is not None]
    closest = 0 if identical else min(known, default=64)
    return HookResult(
        hook="similarity",
        verdict=Verdict.ACCEPT,
        score=round(1 - closest / 64, 4),
        reasons=(
            ("同一文件 / identical bytes",)
            if identical
            else tuple(
                f"ISCC {kind} distance {d}/64" for kind, d in distance.items() if d is not None
            )
        ),
        details={"identical": identical, "distance": distance},
    )
