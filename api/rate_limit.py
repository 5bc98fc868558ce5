"""Requests per API key (or per client address without one), as a token bucket per process.

Each API process keeps its own buckets: with N processes behind a balancer a key gets at most
N times the configured rate. Limits belong to the face, not the domain, so this lives in ``api``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from api.asgi import HttpMiddleware
from api.errors import error_body


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
        header = Headers(scope=scope).get("authorization", "")
        # The key id names the bucket (bq_<key id>_<secret>); never the secret itself.
        key_id = header[7:].split("_")[1] if header.lower().startswith("bearer bq_") else None
        client = scope["client"][0] if scope.get("client") else "unknown"
        wait = self.buckets.take(f"key:{key_id}" if key_id else f"ip:{client}")
        if not wait:
            await self.app(scope, receive, send)
            return
        refusal = JSONResponse(
            error_body(
                "rate_limited", "too many requests; retry later", {"retry_after": round(wait, 3)}
            ),
            status_code=429,
            headers={"Retry-After": str(max(1, round(wait)))},
        )
        await refusal(scope, receive, send)
