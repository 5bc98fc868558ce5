"""Requests per API key (or per client address without one), as a token bucket per process.

A request is charged to its key's bucket only once the key authenticated (its secret checked):
key ids are not secret, so a request naming a key it cannot prove, or failing authentication in
any way, is charged to its client address's bucket. Otherwise forged ``bq_<key id>_…`` tokens
would empty another's bucket, and made-up key ids would give an anonymous client a fresh burst
each. The key is checked here, once (``api.auth.authenticated``): the routes reuse the answer.

Each API process keeps its own buckets: with N processes behind a balancer a key gets at most
N times the configured rate. Limits belong to the face, not the domain, so this lives in ``api``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from api.asgi import HttpMiddleware
from api.auth import authenticated, presented_key
from api.errors import error_body
from registry.platform import Runtime


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``rate`` requests per second on average, bursts of up to ``burst``."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 if a request may pass now, else the seconds until one may."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


def install_rate_limit(app: FastAPI, *, per_minute: int, burst: int) -> None:
    buckets = TokenBuckets(per_minute / 60, burst)

    app.add_middleware(RateLimit, buckets=buckets)


@dataclass(kw_only=True)
class RateLimit(HttpMiddleware):
    """Answers 429 ``rate_limited`` when the caller's bucket is empty."""

    buckets: TokenBuckets

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        wait = self.buckets.take(await bucket_of(scope))
        if not wait:
            await self.app(scope, receive, send)
            return
        refusal = JSONResponse(
            error_body(
                "rate_limited",
                "请求过于频繁，请稍后重试 / too many requests; retry later",
                {"retry_after": round(wait, 3)},
            ),
            status_code=429,
            headers={"Retry-After": str(max(1, round(wait)))},
        )
        await refusal(scope, receive, send)


async def bucket_of(scope: Scope) -> str:
    """``key:<key id>`` for a request whose key authenticated; ``ip:<client address>`` for any
    other: no key, or one that is malformed, unknown, revoked, used from outside its networks,
    or could not be checked (the route that needs it answers why)."""
    if presented_key(scope) is not None:
        runtime: Runtime = scope["app"].state.runtime
        with suppress(Exception):  # refused: the address pays, and the route says why
            return f"key:{(await authenticated(scope, runtime)).key_id}"
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"
