"""Operators and regulators: API keys and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api import examples
from api.auth import requires
from api.dependencies import get_runtime
from api.schemas import ErrorOut
from registry.access import (
    Principal,
    Scope,
    audit_log,
    create_api_key,
    parse_signing_key,
    revoke_api_key,
)
from registry.runtime import Runtime
from registry.views import as_utc

router = APIRouter(prefix="/v1/admin", tags=["administration"])
AUTH_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
}


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


class KeyOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.API_KEY_CREATED]})

    key_id: str
    name: str
    scopes: list[str]
    key: str = Field(description="The key itself: shown this once, never stored")


class AuditOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.AUDIT_ENTRY]})

    key_id: str | None
    method: str
    path: str
    status: int
    at: datetime


@router.post(
    "/keys",
    status_code=201,
    response_model=KeyOut,
    responses={**AUTH_ERRORS, 400: {"model": ErrorOut}},
)
def post_key(
    body: KeyIn,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    _admin: Annotated[Principal, Depends(requires(Scope.ADMIN))],
) -> KeyOut:
    """Create an API key with the given scopes (and optional client networks)."""
    issued = create_api_key(
        runtime.sessions,
        name=body.name,
        scopes=body.scopes,
        ip_allowlist=body.ip_allowlist,
        signing_key=parse_signing_key(body.signing_key) if body.signing_key else None,
        now=runtime.now,
    )
    return KeyOut(
        key_id=issued.key_id, name=issued.name, scopes=list(issued.scopes), key=issued.secret
    )


@router.delete(
    "/keys/{key_id}", status_code=204, responses={**AUTH_ERRORS, 404: {"model": ErrorOut}}
)
def delete_key(
    key_id: Annotated[str, Path(examples=[examples.API_KEY_CREATED["key_id"]])],
    runtime: Annotated[Runtime, Depends(get_runtime)],
    _admin: Annotated[Principal, Depends(requires(Scope.ADMIN))],
) -> None:
    """Revoke an API key; it is refused from then on."""
    revoke_api_key(runtime.sessions, key_id, now=runtime.now)


@router.get("/audit", response_model=list[AuditOut], responses=AUTH_ERRORS)
def get_audit(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    _regulator: Annotated[Principal, Depends(requires(Scope.REGULATOR))],
    limit: Annotated[int, Query(ge=1, le=10000, examples=[100])] = 1000,
) -> list[AuditOut]:
    """The latest writes, newest first (for regulators and operators)."""
    return [
        AuditOut(key_id=e.key_id, method=e.method, path=e.path, status=e.status, at=as_utc(e.at))
        for e in audit_log(runtime.sessions, limit=limit)
    ]
