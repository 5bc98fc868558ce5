"""Who is calling: API keys (``Authorization: Bearer bq_…``), scopes, and the audit of writes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import Message, Receive, Send
from starlette.types import Scope as Scope_

from api.asgi import HttpMiddleware
from api.dependencies import RuntimeDep
from registry.access import (
    Principal,
    Scope,
    authenticate,
    check_signed_request,
    record_write,
)
from registry.core.errors import DatabaseUnavailable
from registry.platform import Runtime
from registry.registration import Caller as WorksCaller

audit_log = logging.getLogger("banquan.audit")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Lookups that change nothing, though sent as POST (they carry a body).
READ_ONLY_POSTS = frozenset({"/v1/verify/bulk", "/v1/verify/file", "/v1/similar"})
# Preparing an unsigned transaction or a consent payload changes nothing either.
READ_ONLY_POST_SUFFIXES = ("/prepare", "/pledge-consent")


# What checking the request's key gave (its principal, or the error that refused it), kept in the
# request's scope: the key is checked once per request, whoever asks first.
AUTHENTICATION = "banquan.authentication"


def presented_key(scope: Scope_) -> str | None:
    """The key text of ``Authorization: Bearer …``, unchecked; None without one."""
    header = Headers(scope=scope).get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


async def authenticated(scope: Scope_, runtime: Runtime) -> Principal:
    """The principal of the request's key, its secret checked once per request: the rate limit
    asks first (a key's bucket is charged only once it authenticated), then the routes that need
    a key get the same answer, or the same error (``Unauthenticated``, ``IpNotAllowed``, the
    database's), without a second lookup nor a second hash."""
    outcome: Principal | Exception | None = scope.get(AUTHENTICATION)
    if outcome is None:
        client = scope.get("client")
        try:
            outcome = await run_in_threadpool(
                authenticate,
                runtime.sessions,
                presented_key(scope),
                client_ip=client[0] if client else None,
            )
        except Exception as exc:
            outcome = exc
        scope[AUTHENTICATION] = outcome
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


async def get_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """The caller's key; for a key bound to a signing key, also its request signature."""
    principal = await authenticated(request.scope, runtime)
    request.state.principal = principal
    if principal.signing_key is not None:
        body = request.scope.get(SIGNED_BODY, b"")
        await run_in_threadpool(
            check_signed_request,
            runtime.sessions,
            principal,
            method=request.method,
            path=signed_target(request.scope),
            body=body,
            timestamp=request.headers.get("x-banquan-timestamp"),
            nonce=request.headers.get("x-banquan-nonce"),
            signature=request.headers.get("x-banquan-signature"),
            now=runtime.now,
        )
    return principal


SIGNED_BODY = "banquan.signed_body"


def signed_target(scope: Scope_) -> str:
    """The request's path, and its query string exactly as sent when it has one: what the
    signature covers, so that no parameter of a signed request can be changed on its way."""
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope['path']}?{query}" if query else str(scope["path"])


class KeepSignedBody(HttpMiddleware):
    """Keeps the raw body of requests that carry a signature, for its check: the framework
    parses a multipart body before the dependencies run, so it must be read here and replayed.
    (The body-size limit, outside this, has already bounded it.)"""

    def concerns(self, scope: Scope_) -> bool:
        return b"x-banquan-signature" in dict(scope["headers"])

    async def handle(self, scope: Scope_, receive: Receive, send: Send) -> None:
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


def requires(scope: Scope, *alternatives: Scope) -> Callable[[Principal], Principal]:
    """A dependency that lets through only keys holding ``scope`` or one of ``alternatives``
    (or admin keys); the refusal names ``scope``. It runs before the body is read, so a key
    without the scope is refused whatever it sends."""

    def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not any(s in principal.scopes for s in alternatives):
            principal.require(scope)
        return principal

    return dependency


# The caller as a route parameter: any valid key, or one that holds a scope (or is an admin key).
Caller = Annotated[Principal, Depends(get_principal)]
Admin = Annotated[Principal, Depends(requires(Scope.ADMIN))]


def caller_of(principal: Principal) -> WorksCaller:
    """The caller as the works services see it: its key, and whether it acts for every
    publisher (an admin key)."""
    return WorksCaller(
        principal.key_id, acts_for_anyone=Scope.ADMIN in principal.scopes, party=principal.party
    )


def reader_of(principal: Principal) -> WorksCaller:
    """The caller of a read: as :func:`caller_of`, and a regulator's key reads every
    publisher's registrations (their metadata; private content stays its owner's)."""
    reads_all = bool({Scope.ADMIN, Scope.REGULATOR} & principal.scopes)
    return WorksCaller(principal.key_id, acts_for_anyone=reads_all, party=principal.party)


Publisher = Annotated[Principal, Depends(requires(Scope.PUBLISHER))]
Lender = Annotated[Principal, Depends(requires(Scope.LENDER))]
Platform = Annotated[Principal, Depends(requires(Scope.PLATFORM))]
Moderator = Annotated[Principal, Depends(requires(Scope.MODERATOR))]
Regulator = Annotated[Principal, Depends(requires(Scope.REGULATOR))]
# Regulators read what they oversee (every registration, lien, review item, takedown and audit
# line) and write nothing: they are let into reads only, beside the scope the read is for.
PublisherOrRegulator = Annotated[Principal, Depends(requires(Scope.PUBLISHER, Scope.REGULATOR))]
LenderOrRegulator = Annotated[Principal, Depends(requires(Scope.LENDER, Scope.REGULATOR))]
ModeratorOrRegulator = Annotated[Principal, Depends(requires(Scope.MODERATOR, Scope.REGULATOR))]
# Writes whose scope depends on what is sent: the route checks it; these refuse other keys first.
PlatformOrPublisher = Annotated[Principal, Depends(requires(Scope.PLATFORM, Scope.PUBLISHER))]
PublisherOrLender = Annotated[Principal, Depends(requires(Scope.PUBLISHER, Scope.LENDER))]


def install_audit_log(app: FastAPI) -> None:
    """Every write request is logged (key, method, path, status), whatever its outcome."""
    app.add_middleware(AuditLog)


def is_write(method: str, path: str) -> bool:
    """Requests that may change something: the audit log keeps a line for each."""
    if method not in WRITE_METHODS or path in READ_ONLY_POSTS:
        return False
    return not path.endswith(READ_ONLY_POST_SUFFIXES)


class AuditLog(HttpMiddleware):
    """Logs a write request when its answer starts, before the client can see it."""

    def concerns(self, scope: Scope_) -> bool:
        return is_write(scope["method"], scope["path"])

    async def handle(self, scope: Scope_, receive: Receive, send: Send) -> None:

        async def send_after_audit(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._record(scope, int(message["status"]))
            await send(message)

        await self.app(scope, receive, send_after_audit)

    @staticmethod
    async def _record(scope: Scope_, status: int) -> None:
        principal = scope.get("state", {}).get("principal")
        runtime: Runtime = scope["app"].state.runtime
        key_id = principal.key_id if principal else None
        try:
            await run_in_threadpool(
                record_write,
                runtime.sessions,
                key_id=key_id,
                method=scope["method"],
                path=scope["path"],
                status=status,
                now=runtime.now,
                committer=runtime.committer,
            )
        except (OperationalError, InterfaceError, DatabaseUnavailable):
            # The database is down or full: the answer (a 503, or a 201 that committed just
            # before) stands; the line goes to the server log instead.
            audit_log.warning(
                "audit line not stored (database unavailable): key=%s %s %s -> %s",
                key_id,
                scope["method"],
                scope["path"],
                status,
            )
