"""Platforms: is this content registered, by whom, since when, with which proof?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.dependencies import get_runtime
from api.schemas import ErrorOut, RegistrationOut, VerificationOut
from registry.runtime import Runtime
from registry.verification import find_registrations

router = APIRouter(prefix="/v1/verify", tags=["verification"])


@router.get(
    "",
    response_model=VerificationOut,
    responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
def verify_digest(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    sha256: Annotated[str | None, Query(description="SHA-256 of the content, 64 hex")] = None,
    sm3: Annotated[str | None, Query(description="SM3 of the content, 64 hex")] = None,
    cid: Annotated[
        str | None,
        Query(description="IPFS CID (as `ipfs add --cid-version=1 --raw-leaves` gives it)"),
    ] = None,
) -> VerificationOut:
    """Look content up by exactly one of ``sha256``, ``sm3`` and ``cid``."""
    views = find_registrations(runtime.sessions, sha256=sha256, sm3=sm3, cid=cid)
    return VerificationOut(registered=True, registrations=[RegistrationOut.of(v) for v in views])
