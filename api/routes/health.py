"""Operators: is it up?"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.dependencies import RuntimeDep
from api.schemas import HealthOut
from registry.platform import check_health

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
def health(runtime: RuntimeDep) -> JSONResponse:
    """Database, chain and content store reachability, and the anchoring backlog.

    503 when registrations cannot be accepted (database or content store down); a chain outage
    only delays anchoring, so it stays 200."""
    state = check_health(runtime.sessions, runtime.w3, runtime.store, runtime.now)
    body = HealthOut.model_validate(state)
    return JSONResponse(body.model_dump(), status_code=200 if state.serving else 503)
