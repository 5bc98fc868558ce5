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
    """Database, chain and content store reachability, and the anchoring backlog.

    503 when registrations cannot be accepted (database or content store down); a chain outage
    only delays anchoring, so it stays 200."""
    state = check_health(runtime.sessions, runtime.w3, runtime.store, runtime.now)
    body = HealthOut(
        database=state.database,
        chain=state.chain,
        content_store=state.content_store,
        pending_registrations=state.pending_registrations,
        batch_lag_seconds=state.batch_lag_seconds,
    )
    return JSONResponse(body.model_dump(), status_code=200 if state.serving else 503)
