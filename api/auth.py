"""Who is calling: API keys (``Authorization: Bearer bq_…``), scopes, and the audit of writes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as Scope_

from api.dependencies import get_runtime
from registry.access import (
    Principal,
    Scope,
    authenticate,
    check_signed_request,
    record_write,
)
from registry.runtime import Runtime

audit_log = logging.getLogger("banquan.audit")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Lookups that change nothing, though sent as POST (they carry a body).
READ_ONLY_POSTS = frozenset({"/v1/verify/bulk", "/v1/verify/file"})


async def get_principal(
    request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> Principal:
    """The caller's key; for a key bound to a signing key, also its request signature."""
    header = request.headers.get("authorization", "")
    presented = header[7:].strip() if header.lower().startswith("bearer ") else None
    principal = await run_in_threadpool(
        authenticate,
        runtime.sessions,
        presented,
        client_ip=request.client.host if request.client else None,
    )
    request.state.principal = principal
    if principal.signing_key is not None:
        body = request.scope.get(SIGNED_BODY, b"")
        await run_in_threadpool(
            check_signed_request,
            runtime.sessions,
            principal,
            method=request.method,
            path=request.url.path,
            body=body,
            timestamp=request.headers.get("x-banquan-timestamp"),
            nonce=request.headers.get("x-banquan-nonce"),
            signature=request.headers.get("x-banquan-signature"),
            now=runtime.now,
        )
    return principal


SIGNED_BODY = "banquan.signed_body"


class KeepSignedBody:
    """Keeps the raw body of requests that carry a signature, for its check: the framework
    parses a multipart body before the dependencies run, so it must be read here and replayed.
    (The body-size limit, outside this, has already bounded it.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope_, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or b"x-banquan-signature" not in dict(scope["headers"]):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        body = b"".join(chunks)
        scope[SIGNED_BODY] = body
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


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
            key_id = principal.key_id if principal else None
            try:
                await run_in_threadpool(
                    record_write,
                    runtime.sessions,
                    key_id=key_id,
                    method=request.method,
                    path=request.url.path,
                    status=response.status_code,
                    now=runtime.now,
                )
            except (OperationalError, InterfaceError):
                # The database is down or full: the answer already given (a 503, or a 201 that
                # committed just before) stands; the line goes to the server log instead.
                audit_log.warning(
                    "audit line not stored (database unavailable): key=%s %s %s -> %s",
                    key_id,
                    request.method,
                    request.url.path,
                    response.status_code,
                )
        return response
