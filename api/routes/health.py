"""Operators: is it up?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.dependencies import get_runtime
from api.schemas import HealthOut
from registry.health import check_health
from registry.runtime import Runtime

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
def health(runtime: Annotated[Runtime, Depends(get_runtime)]) -> JSONResponse:
    """Database and chain reachability and the number of registrations waiting to be anchored.

    503 when the database is down; a chain outage only delays anchoring, so it stays 200."""
    state = check_health(runtime.sessions, runtime.w3)
    body = HealthOut(
        database=state.database,
        chain=state.chain,
        pending_registrations=state.pending_registrations,
    )
    return JSONResponse(body.model_dump(), status_code=200 if state.database else 503)
