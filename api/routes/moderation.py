"""Moderators and regulators: the review queue, the blocklist, takedowns, complaints, appeals
and the moderation audit log (see docs/moderation.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api import examples
from api.auth import (
    Caller,
    Moderator,
    ModeratorOrRegulator,
    PlatformOrPublisher,
    Publisher,
    Regulator,
)
from api.dependencies import RuntimeDep
from api.params import RegistrationNumber
from api.schemas import error_responses, fields_of, file_responses, out_of, with_example
from registry.access import Principal, Scope
from registry.moderation.builtin import BlocklistView
from registry.moderation.review import ReviewItemView
from registry.moderation.revocation import RevocationView
from registry.moderation.takedown import TakedownView

router = APIRouter(prefix="/v1/moderation", tags=["moderation"])

ERRORS = error_responses(400, 401, 403, 404, 409, 422, 503)

Decided = TypeVar("Decided")
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, examples=[7])]


def _authority(moderator: Principal) -> str:
    """The authority a moderator's decision carries: a key that also holds the regulator scope
    (or an admin key) acts as regulator. The regulator scope alone writes nothing."""
    if Scope.REGULATOR in moderator.scopes or Scope.ADMIN in moderator.scopes:
        return "regulator"
    return "moderator"


class ReviewItemOut(fields_of(ReviewItemView)):  # type: ignore[misc]
    model_config = with_example(examples.REVIEW_ITEM, from_attributes=True)

    kind: str = Field(description="registration, complaint or appeal")
    status: str = Field(description="open, claimed, accepted or rejected")
    related_registration: str | None = Field(description="A complaint's complainant work")


class DecisionIn(BaseModel):
    model_config = with_example(
        {"decision": "reject", "reason": "与 BQ-2025-00004711 实质相同，申请人未能证明权属"}
    )

    decision: Literal["accept", "reject"]
    reason: str = Field(default="", max_length=4000)


class BlocklistIn(BaseModel):
    model_config = with_example(
        {
            "algorithm": "sha256",
            "value": examples.BLOCKLIST_ENTRY["value"],
            "reason": examples.BLOCKLIST_ENTRY["reason"],
        }
    )

    algorithm: Literal["sha256", "sm3", "cid"]
    value: str = Field(max_length=200)
    reason: str = Field(min_length=1, max_length=4000)


class BlocklistOut(fields_of(BlocklistView)):  # type: ignore[misc]
    model_config = with_example(examples.BLOCKLIST_ENTRY, from_attributes=True)


class DecisionOnRegistrationIn(BaseModel):
    """A takedown, its restore or a revocation: the registration and why."""

    registration: str = Field(description="Registration number, or the leaf / asset id (hex)")
    reason: str


def _decision_example(view_example: dict[str, Any]) -> ConfigDict:
    return with_example({field: view_example[field] for field in ("registration", "reason")})


class TakedownIn(DecisionOnRegistrationIn):
    model_config = _decision_example(examples.TAKEDOWN)

    reason: str = Field(min_length=1, max_length=4000, description="Kept off chain; its SHA-256 on")


class TakedownOut(fields_of(TakedownView)):  # type: ignore[misc]
    model_config = with_example(examples.TAKEDOWN, from_attributes=True)


class RevocationIn(DecisionOnRegistrationIn):
    model_config = _decision_example(examples.REVOCATION)

    reason: str = Field(
        min_length=1, max_length=4000, description="The regulator's decision: kept off chain, "
        "its SHA-256 on",
    )  # fmt: skip


class RevocationOut(fields_of(RevocationView)):  # type: ignore[misc]
    model_config = with_example(examples.REVOCATION, from_attributes=True)


class ComplaintIn(BaseModel):
    model_config = with_example(
        {
            "registration": examples.REVIEW_ITEM["registration"],
            "complainant_work": examples.REVIEW_ITEM["related_registration"],
            "statement": examples.REVIEW_ITEM["statement"],
        }
    )

    registration: str = Field(description="The registration complained about")
    complainant_work: str | None = Field(
        default=None, description="The complainant's own registration, if any"
    )
    statement: str = Field(min_length=1, max_length=20000)


class AppealIn(BaseModel):
    model_config = with_example(
        {
            "registration": examples.REGISTRATION["number"],
            "statement": "本书为本社 2008 年首版，附出版合同与版权登记证书扫描件。",
        }
    )

    registration: str
    statement: str = Field(min_length=1, max_length=20000)


class AuditVerificationOut(BaseModel):
    model_config = with_example(examples.AUDIT_VERIFICATION, from_attributes=True)

    entries: int
    valid: bool
    first_bad_id: int | None
    problem: str | None
    head_digest: str | None


@router.get("/review", response_model=list[ReviewItemOut], responses=ERRORS)
def review_queue(
    runtime: RuntimeDep,
    _reader: ModeratorOrRegulator,
    status: Annotated[
        str | None,
        Query(description="open, claimed, accepted, rejected or all", examples=["open"]),
    ] = None,
    kind: Annotated[
        str | None, Query(description="registration, complaint or appeal", examples=["complaint"])
    ] = None,
    registration: Annotated[
        str | None,
        Query(description="Only items about this registration", examples=["BQ-2026-00000001"]),
    ] = None,
) -> list[ReviewItemOut]:
    """Items waiting for a moderator (open or claimed) unless ``status`` says otherwise."""
    items = runtime.moderation.review_items(status=status, kind=kind, registration=registration)
    return [out_of(ReviewItemOut, v) for v in items]


@router.get("/registrations/{number}", response_model=list[ReviewItemOut], responses=ERRORS)
def registration_moderation(
    number: RegistrationNumber, runtime: RuntimeDep, caller: Caller
) -> list[ReviewItemOut]:
    """What moderation said about a registration: for the key that submitted it (its hook
    results, decisions and appeals, without who claimed or decided them), or for moderators and
    regulators (complaints and the moderators too)."""
    staff = {Scope.MODERATOR, Scope.REGULATOR, Scope.ADMIN}
    items = runtime.moderation.of_registration(
        number, requester=caller.key_id, may_see_all=bool(staff & caller.scopes)
    )
    return [out_of(ReviewItemOut, v) for v in items]


@router.get("/review/{item_id}", response_model=ReviewItemOut, responses=ERRORS)
def review_item(
    item_id: RowId, runtime: RuntimeDep, _reader: ModeratorOrRegulator
) -> ReviewItemOut:
    return out_of(ReviewItemOut, runtime.moderation.review_item(item_id))


@router.post("/review/{item_id}/claim", response_model=ReviewItemOut, responses=ERRORS)
def claim(item_id: RowId, runtime: RuntimeDep, moderator: Moderator) -> ReviewItemOut:
    """Reserve an item (never one the key or its party is party to: ``conflict_of_interest``)."""
    view = runtime.moderation.claim(
        item_id, moderator=moderator.key_id, moderator_party=moderator.party
    )
    return out_of(ReviewItemOut, view)


@router.post("/review/{item_id}/decision", response_model=ReviewItemOut, responses=ERRORS)
def decide(
    item_id: RowId, body: DecisionIn, runtime: RuntimeDep, moderator: Moderator
) -> ReviewItemOut:
    """Accept or reject (a rejection needs a reason). Accepting a held registration sends it to
    anchoring; accepting a complaint takes the work down, accepting a takedown appeal restores
    it (both need a reason; an appeal of a takedown no longer in force: ``appeal_outdated``).
    Never an item the key or its party is party to (``conflict_of_interest``)."""
    view = runtime.moderation.decide(
        item_id,
        moderator=moderator.key_id,
        moderator_party=moderator.party,
        accept=body.decision == "accept",
        reason=body.reason,
        authority=_authority(moderator),
    )
    return out_of(ReviewItemOut, view)


@router.get("/blocklist", response_model=list[BlocklistOut], responses=ERRORS)
def blocklist(runtime: RuntimeDep, _reader: ModeratorOrRegulator) -> list[BlocklistOut]:
    return [out_of(BlocklistOut, e) for e in runtime.moderation.blocklist()]


@router.post("/blocklist", status_code=201, response_model=BlocklistOut, responses=ERRORS)
def add_to_blocklist(body: BlocklistIn, runtime: RuntimeDep, moderator: Moderator) -> BlocklistOut:
    entry = runtime.moderation.block(
        algorithm=body.algorithm, value=body.value, reason=body.reason, added_by=moderator.key_id
    )
    return out_of(BlocklistOut, entry)


@router.delete("/blocklist/{entry_id}", status_code=204, responses=ERRORS)
def remove_from_blocklist(entry_id: RowId, runtime: RuntimeDep, moderator: Moderator) -> None:
    runtime.moderation.unblock(entry_id, removed_by=moderator.key_id)


def _decided(
    decide: Callable[..., Decided], body: DecisionOnRegistrationIn, moderator: Principal
) -> Decided:
    """A takedown, its restore or a revocation (``Moderation.take_down``, ``.restore`` or
    ``.revoke_registration``), by this moderator with the authority of its key."""
    return decide(
        body.registration,
        reason=body.reason,
        actor=moderator.key_id,
        authority=_authority(moderator),
    )


@router.post("/takedowns", status_code=201, response_model=TakedownOut, responses=ERRORS)
def takedown(body: TakedownIn, runtime: RuntimeDep, moderator: Moderator) -> TakedownOut:
    """Freeze a registration / asset on chain (a moderator; with the regulator scope too, as
    regulator)."""
    return out_of(TakedownOut, _decided(runtime.moderation.take_down, body, moderator))


@router.post("/restores", response_model=TakedownOut, responses=ERRORS)
def restore_takedown(body: TakedownIn, runtime: RuntimeDep, moderator: Moderator) -> TakedownOut:
    """Lift the takedown in force (a moderator cannot lift a regulator's)."""
    return out_of(TakedownOut, _decided(runtime.moderation.restore, body, moderator))


@router.post("/revocations", status_code=201, response_model=RevocationOut, responses=ERRORS)
def revoke_registration(
    body: RevocationIn, runtime: RuntimeDep, moderator: Moderator
) -> RevocationOut:
    """Revoke one registration on chain, for good (``RegistryAnchor.revokeRegistration``): a
    regulator's decision, so a moderator's key that also holds the regulator scope (or an admin
    key); a moderator alone is refused 403 ``authority_too_low``. Its proof then shows revoked
    under any root, it is never tokenized, and its batch's other registrations stay valid."""
    view = _decided(runtime.moderation.revoke_registration, body, moderator)
    return out_of(RevocationOut, view)


@router.post("/complaints", status_code=201, response_model=ReviewItemOut, responses=ERRORS)
def complain(body: ComplaintIn, runtime: RuntimeDep, caller: PlatformOrPublisher) -> ReviewItemOut:
    """An infringement notice from a platform or a rights holder (publisher); the work it cites
    as the complainant's own must be its party's (``not_own_registration``)."""
    view = runtime.moderation.complain(
        accused=body.registration,
        complainant_work=body.complainant_work,
        complainant=caller.key_id,
        complainant_party=caller.party,
        statement=body.statement,
    )
    return out_of(ReviewItemOut, view)


@router.post("/appeals", status_code=201, response_model=ReviewItemOut, responses=ERRORS)
def appeal(body: AppealIn, runtime: RuntimeDep, publisher: Publisher) -> ReviewItemOut:
    """The registrant appeals a rejection or a takedown, once per decision."""
    view = runtime.moderation.appeal(
        body.registration,
        appellant=publisher.key_id,
        statement=body.statement,
        may_act_for_anyone=Scope.ADMIN in publisher.scopes,
        appellant_party=publisher.party,
    )
    return out_of(ReviewItemOut, view)


@router.get("/takedowns", response_model=list[TakedownOut], responses=ERRORS)
def takedowns(
    runtime: RuntimeDep,
    _reader: ModeratorOrRegulator,
    registration: Annotated[
        str | None,
        Query(description="Only this registration's takedowns", examples=["BQ-2026-00000001"]),
    ] = None,
    in_force: Annotated[
        bool, Query(description="Only those not restored", examples=[True])
    ] = False,
    limit: Annotated[int, Query(ge=1, le=1000, examples=[100])] = 1000,
    after: Annotated[
        int, Query(ge=0, le=2**31 - 1, description="Only ids after this one", examples=[0])
    ] = 0,
) -> list[TakedownOut]:
    """Every takedown, restored ones included, oldest first (moderators and regulators)."""
    views = runtime.moderation.takedowns(
        registration=registration, in_force=in_force, limit=limit, after=after
    )
    return [out_of(TakedownOut, v) for v in views]


@router.get(
    "/audit.jsonl",
    response_class=StreamingResponse,
    responses={**file_responses("application/x-ndjson"), **ERRORS},
)
def audit_export(
    runtime: RuntimeDep,
    _regulator: Regulator,
    since: Annotated[
        datetime | None,
        Query(description="Only entries from this time on", examples=["2026-11-01T00:00:00Z"]),
    ] = None,
) -> StreamingResponse:
    """The moderation audit log as JSON lines, hash-chained (see docs/moderation.md)."""
    lines: Iterator[str] = runtime.moderation.audit_lines(since=since)
    return StreamingResponse(lines, media_type="application/x-ndjson")


@router.get("/audit/verification", response_model=AuditVerificationOut, responses=ERRORS)
def audit_verification(runtime: RuntimeDep, _regulator: Regulator) -> AuditVerificationOut:
    return AuditVerificationOut.model_validate(runtime.moderation.verify_audit())
