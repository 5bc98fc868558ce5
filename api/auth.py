"""Who is calling: API keys (``Authorization: Bearer bq_…``), scopes, and the audit of writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from api.dependencies import get_runtime
from registry.access import Principal, Scope, authenticate, record_write
from registry.runtime import Runtime

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Lookups that change nothing, though sent as POST (they carry a body).
READ_ONLY_POSTS = frozenset({"/v1/verify/bulk", "/v1/verify/file"})


def get_principal(request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]) -> Principal:
    header = request.headers.get("authorization", "")
    presented = header[7:].strip() if header.lower().startswith("bearer ") else None
    principal = authenticate(
        runtime.sessions, presented, client_ip=request.client.host if request.client else None
    )
    request.state.principal = principal
    return principal


def requires(scope: Scope) -> Callable[[Principal], Principal]:
    """A dependency that lets through only keys holding ``scope`` (or admin keys)."""

    def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        principal.require(scope)
        return principal

    return dependency


def install_audit_log(app: FastAPI) -> None:
    """Every write request is logged (key, method, path, status), whatever its outcome."""

    @app.middleware("http")
    async def audit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.method in WRITE_METHODS and request.url.path not in READ_ONLY_POSTS:
            principal = getattr(request.state, "principal", None)
            runtime: Runtime = request.app.state.runtime
            await run_in_threadpool(
                record_write,
                runtime.sessions,
                key_id=principal.key_id if principal else None,
                method=request.method,
                path=request.url.path,
                status=response.status_code,
                now=runtime.now,
            )
        return response
