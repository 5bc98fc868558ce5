"""Platforms: is this content registered, by whom, since when, with which proof?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.dependencies import get_runtime
from api.schemas import ErrorOut, RegistrationOut, VerificationOut
from registry.errors import InvalidDigest
from registry.runtime import Runtime
from registry.verification import find_by_digest

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
) -> VerificationOut:
    """Look a content digest up; exactly one of ``sha256`` and ``sm3``."""
    if (sha256 is None) == (sm3 is None):
        raise InvalidDigest("give exactly one of the query parameters sha256 and sm3")
    if sha256 is not None:
        views = find_by_digest(runtime.sessions, "sha256", sha256)
    else:
        assert sm3 is not None
        views = find_by_digest(runtime.sessions, "sm3", sm3)
    return VerificationOut(registered=True, registrations=[RegistrationOut.of(v) for v in views])
