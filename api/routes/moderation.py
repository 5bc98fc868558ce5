"""Moderators and regulators: the review queue, the blocklist, takedowns, complaints, appeals
and the moderation audit log (see docs/moderation.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api import examples
from api.auth import get_principal, requires
from api.dependencies import get_runtime
from api.params import RegistrationNumber
from api.schemas import ErrorOut
from registry.access import Principal, Scope
from registry.moderation.audit import export_audit, verify_audit_chain
from registry.moderation.builtin import (
    add_blocklist_entry,
    list_blocklist,
    remove_blocklist_entry,
)
from registry.moderation.review import (
    claim_review_item,
    decide_review_item,
    file_appeal,
    file_complaint,
    get_review_item,
    list_review_items,
    moderation_of,
)
from registry.moderation.takedown import restore, take_down
from registry.runtime import Runtime

router = APIRouter(prefix="/v1/moderation", tags=["moderation"])

ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 422, 503)
}

Moderator = Annotated[Principal, Depends(requires(Scope.MODERATOR))]
Regulator = Annotated[Principal, Depends(requires(Scope.REGULATOR))]
Caller = Annotated[Principal, Depends(get_principal)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, examples=[7])]


def _authority(principal: Principal) -> str:
    """Regulators act as regulators; everyone else needs the moderator scope."""
    if Scope.REGULATOR in principal.scopes or Scope.ADMIN in principal.scopes:
        return "regulator"
    principal.require(Scope.MODERATOR)
    return "moderator"


def _one_of(principal: Principal, *scopes: Scope) -> None:
    if not any(s in principal.scopes for s in (*scopes, Scope.ADMIN)):
        principal.require(scopes[0])


class ReviewItemOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.REVIEW_ITEM]})

    id: int
    kind: str = Field(description="registration, complaint or appeal")
    status: str = Field(description="open, claimed, accepted or rejected")
    registration: str | None
    registration_status: str | None
    related_registration: str | None = Field(description="A complaint's complainant work")
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


def _out(view: object) -> ReviewItemOut:
    return ReviewItemOut(**view.__dict__)


class DecisionIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"decision": "reject", "reason": "与 BQ-2025-00004711 实质相同，申请人未能证明权属"}
            ]
        }
    )

    decision: Literal["accept", "reject"]
    reason: str = Field(default="", max_length=4000)


class BlocklistIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "algorithm": "sha256",
                    "value": examples.BLOCKLIST_ENTRY["value"],
                    "reason": examples.BLOCKLIST_ENTRY["reason"],
                }
            ]
        }
    )

    algorithm: Literal["sha256", "sm3", "cid"]
    value: str = Field(max_length=200)
    reason: str = Field(min_length=1, max_length=4000)


class BlocklistOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.BLOCKLIST_ENTRY]})

    id: int
    algorithm: str
    value: str
    reason: str
    added_by: str | None
    added_at: datetime


class TakedownIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "registration": examples.TAKEDOWN["registration"],
                    "reason": examples.TAKEDOWN["reason"],
                }
            ]
        }
    )

    registration: str = Field(description="Registration number, or the leaf / asset id (hex)")
    reason: str = Field(min_length=1, max_length=4000, description="Kept off chain; its SHA-256 on")


class TakedownOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.TAKEDOWN]})

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


class ComplaintIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "registration": examples.REVIEW_ITEM["registration"],
                    "complainant_work": examples.REVIEW_ITEM["related_registration"],
                    "statement": examples.REVIEW_ITEM["statement"],
                }
            ]
        }
    )

    registration: str = Field(description="The registration complained about")
    complainant_work: str | None = Field(
        default=None, description="The complainant's own registration, if any"
    )
    statement: str = Field(min_length=1, max_length=20000)


class AppealIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "registration": examples.REGISTRATION["number"],
                    "statement": "本书为本社 2008 年首版，附出版合同与版权登记证书扫描件。",
                }
            ]
        }
    )

    registration: str
    statement: str = Field(min_length=1, max_length=20000)


class AuditVerificationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.AUDIT_VERIFICATION]})

    entries: int
    valid: bool
    first_bad_id: int | None
    problem: str | None
    head_digest: str | None


@router.get("/review", response_model=list[ReviewItemOut], responses=ERRORS)
def review_queue(
    runtime: RuntimeDep,
    _moderator: Moderator,
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
    items = list_review_items(runtime.sessions, status=status, kind=kind, registration=registration)
    return [_out(v) for v in items]


@router.get("/registrations/{number}", response_model=list[ReviewItemOut], responses=ERRORS)
def registration_moderation(
    number: RegistrationNumber, runtime: RuntimeDep, caller: Caller
) -> list[ReviewItemOut]:
    """What moderation said about a registration: for the key that submitted it (its hook
    results, decisions and appeals), or for moderators and regulators (complaints too)."""
    staff = {Scope.MODERATOR, Scope.REGULATOR, Scope.ADMIN}
    items = moderation_of(
        runtime.sessions,
        number,
        requester=caller.key_id,
        may_see_all=bool(staff & caller.scopes),
    )
    return [_out(v) for v in items]


@router.get("/review/{item_id}", response_model=ReviewItemOut, responses=ERRORS)
def review_item(item_id: RowId, runtime: RuntimeDep, _moderator: Moderator) -> ReviewItemOut:
    return _out(get_review_item(runtime.sessions, item_id))


@router.post("/review/{item_id}/claim", response_model=ReviewItemOut, responses=ERRORS)
def claim(item_id: RowId, runtime: RuntimeDep, moderator: Moderator) -> ReviewItemOut:
    return _out(
        claim_review_item(runtime.sessions, item_id, moderator=moderator.key_id, now=runtime.now)
    )


@router.post("/review/{item_id}/decision", response_model=ReviewItemOut, responses=ERRORS)
def decide(
    item_id: RowId, body: DecisionIn, runtime: RuntimeDep, moderator: Moderator
) -> ReviewItemOut:
    """Accept or reject (a rejection needs a reason). Accepting a held registration sends it to
    anchoring; accepting a complaint takes the work down; accepting a takedown appeal restores
    it."""
    view = decide_review_item(
        runtime.sessions,
        item_id,
        moderator=moderator.key_id,
        accept=body.decision == "accept",
        reason=body.reason,
        now=runtime.now,
        authority=_authority(moderator),
        events=runtime.moderation_events,
        moderation=runtime.moderation_client,
    )
    return _out(view)


@router.get("/blocklist", response_model=list[BlocklistOut], responses=ERRORS)
def blocklist(runtime: RuntimeDep, _moderator: Moderator) -> list[BlocklistOut]:
    return [BlocklistOut(**e.__dict__) for e in list_blocklist(runtime.sessions)]


@router.post("/blocklist", status_code=201, response_model=BlocklistOut, responses=ERRORS)
def add_to_blocklist(body: BlocklistIn, runtime: RuntimeDep, moderator: Moderator) -> BlocklistOut:
    entry = add_blocklist_entry(
        runtime.sessions,
        algorithm=body.algorithm,
        value=body.value,
        reason=body.reason,
        added_by=moderator.key_id,
        now=runtime.now,
    )
    return BlocklistOut(**entry.__dict__)


@router.delete("/blocklist/{entry_id}", status_code=204, responses=ERRORS)
def remove_from_blocklist(entry_id: RowId, runtime: RuntimeDep, moderator: Moderator) -> None:
    remove_blocklist_entry(runtime.sessions, entry_id, removed_by=moderator.key_id, now=runtime.now)


@router.post("/takedowns", status_code=201, response_model=TakedownOut, responses=ERRORS)
def takedown(body: TakedownIn, runtime: RuntimeDep, caller: Caller) -> TakedownOut:
    """Freeze a registration / asset on chain (moderator or regulator)."""
    authority = _authority(caller)
    view = take_down(
        runtime.sessions,
        runtime.moderation_client(),
        body.registration,
        reason=body.reason,
        actor=caller.key_id,
        authority=authority,
        now=runtime.now,
        events=runtime.moderation_events,
    )
    return TakedownOut(**view.__dict__)


@router.post("/restores", response_model=TakedownOut, responses=ERRORS)
def restore_takedown(body: TakedownIn, runtime: RuntimeDep, caller: Caller) -> TakedownOut:
    """Lift the takedown in force (a moderator cannot lift a regulator's)."""
    authority = _authority(caller)
    view = restore(
        runtime.sessions,
        runtime.moderation_client(),
        body.registration,
        reason=body.reason,
        actor=caller.key_id,
        authority=authority,
        now=runtime.now,
        events=runtime.moderation_events,
    )
    return TakedownOut(**view.__dict__)


@router.post("/complaints", status_code=201, response_model=ReviewItemOut, responses=ERRORS)
def complain(body: ComplaintIn, runtime: RuntimeDep, caller: Caller) -> ReviewItemOut:
    """An infringement notice from a platform or a rights holder (publisher)."""
    _one_of(caller, Scope.PLATFORM, Scope.PUBLISHER)
    view = file_complaint(
        runtime.sessions,
        accused=body.registration,
        complainant_work=body.complainant_work,
        complainant=caller.key_id,
        statement=body.statement,
        now=runtime.now,
        events=runtime.moderation_events,
    )
    return _out(view)


@router.post("/appeals", status_code=201, response_model=ReviewItemOut, responses=ERRORS)
def appeal(
    body: AppealIn,
    runtime: RuntimeDep,
    publisher: Annotated[Principal, Depends(requires(Scope.PUBLISHER))],
) -> ReviewItemOut:
    """The registrant appeals a rejection or a takedown, once per decision."""
    view = file_appeal(
        runtime.sessions,
        body.registration,
        appellant=publisher.key_id,
        statement=body.statement,
        now=runtime.now,
        may_act_for_anyone=Scope.ADMIN in publisher.scopes,
        events=runtime.moderation_events,
    )
    return _out(view)


@router.get(
    "/audit.jsonl",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}, **ERRORS},
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
    lines: Iterator[str] = export_audit(runtime.sessions, since=since)
    return StreamingResponse(lines, media_type="application/x-ndjson")


@router.get("/audit/verification", response_model=AuditVerificationOut, responses=ERRORS)
def audit_verification(runtime: RuntimeDep, _regulator: Regulator) -> AuditVerificationOut:
    return AuditVerificationOut(**verify_audit_chain(runtime.sessions).__dict__)
