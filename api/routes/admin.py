"""Operators and regulators: API keys, the audit log, and who may hold liens (lenders)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api import examples
from api.auth import Admin, Regulator
from api.dependencies import RuntimeDep
from api.schemas import error_responses, with_example
from registry.access import (
    audit_log,
    create_api_key,
    parse_signing_key,
    revoke_api_key,
)
from registry.assets import LenderRole
from registry.core.views import as_utc

router = APIRouter(prefix="/v1/admin", tags=["administration"])


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["上海某出版社 catalogue import"])
    scopes: list[str] = Field(min_length=1, examples=[["publisher"]])
    ip_allowlist: list[str] = Field(default_factory=list, examples=[["10.1.0.0/16"]])
    signing_key: dict[str, str] | None = Field(
        default=None,
        description="If given, every request with this key must be signed by this public key "
        "(X-Banquan-Timestamp, X-Banquan-Nonce, X-Banquan-Signature; see docs/api-auth.md)",
        examples=[{"algorithm": "sm2", "public_key": "04…", "sm2_id": "1234567812345678"}],
    )
    party: str | None = Field(
        default=None,
        description="The party the key acts for (default: a new party named after the key)",
        examples=["party_5f0c2a9e4b7d1c33"],
    )


class KeyOut(BaseModel):
    model_config = with_example(examples.API_KEY_CREATED)

    key_id: str
    name: str
    scopes: list[str]
    key: str = Field(description="The key itself: shown this once, never stored")
    party: str = Field(description="The party the key acts for")


class AuditOut(BaseModel):
    model_config = with_example(examples.AUDIT_ENTRY)

    key_id: str | None
    method: str
    path: str
    status: int
    at: datetime


@router.post(
    "/keys",
    status_code=201,
    response_model=KeyOut,
    responses=error_responses(400, 401, 403, 404),
)
def post_key(body: KeyIn, runtime: RuntimeDep, _admin: Admin) -> KeyOut:
    """Create an API key with the given scopes (and optional client networks)."""
    issued = create_api_key(
        runtime.sessions,
        name=body.name,
        scopes=body.scopes,
        ip_allowlist=body.ip_allowlist,
        signing_key=parse_signing_key(body.signing_key) if body.signing_key else None,
        party=body.party,
        now=runtime.now,
    )
    return KeyOut(
        key_id=issued.key_id,
        name=issued.name,
        scopes=list(issued.scopes),
        key=issued.secret,
        party=issued.party,
    )


@router.delete("/keys/{key_id}", status_code=204, responses=error_responses(401, 403, 404))
def delete_key(
    key_id: Annotated[str, Path(examples=[examples.API_KEY_CREATED["key_id"]])],
    runtime: RuntimeDep,
    _admin: Admin,
) -> None:
    """Revoke an API key; it is refused from then on."""
    revoke_api_key(runtime.sessions, key_id, now=runtime.now)


@router.get("/audit", response_model=list[AuditOut], responses=error_responses(401, 403))
def get_audit(
    runtime: RuntimeDep,
    _regulator: Regulator,
    limit: Annotated[int, Query(ge=1, le=10000, examples=[100])] = 1000,
) -> list[AuditOut]:
    """The latest writes, newest first (for regulators and operators)."""
    return [
        AuditOut(key_id=e.key_id, method=e.method, path=e.path, status=e.status, at=as_utc(e.at))
        for e in audit_log(runtime.sessions, limit=limit)
    ]


# ------------------------------------------- lenders: the Pledges contract's LENDER_ROLE


class LenderIn(BaseModel):
    address: str = Field(description="The lender's account address", examples=[examples.LENDER])


class LenderRoleOut(BaseModel):
    model_config = with_example(examples.LENDER_ROLE_GRANTED)

    address: str
    lender: bool = Field(description="Whether the account holds the lender role now")
    changed: bool = Field(description="Whether this request changed it (false: it already was)")
    tx_hash: str | None = Field(description="The transaction that changed it")
    block_number: int | None


def lender_role_out(role: LenderRole) -> LenderRoleOut:
    return LenderRoleOut.model_validate(role.to_json())


@router.post(
    "/lenders", response_model=LenderRoleOut, responses=error_responses(400, 401, 403, 503)
)
def post_lender(body: LenderIn, runtime: RuntimeDep, _admin: Admin) -> LenderRoleOut:
    """Let an account record pledges: grant it the lender role on the Pledges contract (sent by
    the registry's account; nothing is sent when it already holds it)."""
    return lender_role_out(runtime.assets.grant_lender(body.address))


@router.delete(
    "/lenders/{address}",
    response_model=LenderRoleOut,
    responses=error_responses(400, 401, 403, 503),
)
def delete_lender(
    address: Annotated[str, Path(examples=[examples.LENDER])], runtime: RuntimeDep, _admin: Admin
) -> LenderRoleOut:
    """Take the lender role from an account: it records no new pledge; its liens stay its own."""
    return lender_role_out(runtime.assets.revoke_lender(address))


@router.get(
    "/lenders/{address}",
    response_model=LenderRoleOut,
    responses=error_responses(400, 401, 403, 503),
)
def get_lender(
    address: Annotated[str, Path(examples=[examples.LENDER])],
    runtime: RuntimeDep,
    _regulator: Regulator,
) -> LenderRoleOut:
    """Whether an account holds the lender role now (for regulators and administrators)."""
    return lender_role_out(runtime.assets.lender_role(address))


class RecoveryIn(BaseModel):
    new_lender: str = Field(description="The lender's new key", examples=[examples.LENDER])


class RecoveryOut(BaseModel):
    model_config = with_example(
        {
            "lien_id": 1,
            "lender": examples.LENDER,
            "new_lender": examples.LENDER,
            "executable_at": 1801357200,
            "tx_hash": "0x" + "cd" * 32,
            "block_number": 42,
        }
    )

    lien_id: int
    lender: str = Field(description="The current key, which can cancel until executable_at")
    new_lender: str = Field(description="The new key, which executes it from executable_at")
    executable_at: int = Field(description="Unix seconds: the proposal plus 30 days")
    tx_hash: str
    block_number: int


@router.post(
    "/liens/{lien_id}/recovery",
    response_model=RecoveryOut,
    responses=error_responses(400, 401, 403, 404, 409, 503),
)
def post_lender_recovery(
    lien_id: Annotated[int, Path(ge=0, le=(1 << 256) - 1, examples=[1])],
    body: RecoveryIn,
    runtime: RuntimeDep,
    _admin: Admin,
) -> RecoveryOut:
    """For a lender that lost its key (its identity checked off chain): propose to move the lien
    to its new key. The new key executes it after 30 days
    (``/v1/liens/{id}/recovery/execute/prepare``); until then the current key can cancel it."""
    proposed = runtime.assets.propose_lender_recovery(lien_id, body.new_lender)
    return RecoveryOut(
        lien_id=proposed.lien_id,
        lender=proposed.lender,
        new_lender=proposed.new_lender,
        executable_at=proposed.executable_at,
        tx_hash=proposed.position.tx_hash,
        block_number=proposed.position.block_number,
    )
