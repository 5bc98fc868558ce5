"""Requests per API key (or per client address without one), as a token bucket per process.

A request is charged to its key's bucket only once the key authenticated (its secret checked):
key ids are not secret, so a request naming a key it cannot prove, or failing authentication in
any way, is charged to its client address's bucket. Otherwise forged ``bq_<key id>_…`` tokens
would empty another's bucket, and made-up key ids would give an anonymous client a fresh burst
each. The key is checked here, once (``api.auth.authenticated``): the routes reuse the answer.

An IPv6 client is limited by its /64, the block one subscriber holds: one host picks any
address in it, and a bucket per address would give it a fresh burst per request. The table of
buckets is bounded: a bucket back to full is dropped (a new one is the same), and past
:data:`MAX_BUCKETS` the least recently used go, so a flood of addresses costs memory in
proportion to the bound, not to the flood.

Each API process keeps its own buckets: with N processes behind a balancer a key gets at most
N times the configured rate. Limits belong to the face, not the domain, so this lives in ``api``.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict
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

# Buckets one process keeps at the most (about 100 bytes each).
MAX_BUCKETS = 100_000
# The prefix an IPv6 client is limited by.
IPV6_PREFIX = 64


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``rate`` requests per second on average, bursts of up to ``burst``; at most
    ``max_buckets`` kept (the least recently used go first)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = MAX_BUCKETS,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 if a request may pass now, else the seconds until one may."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_buckets:
                    self._shrink(now)
                bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            else:
                self._buckets.move_to_end(key)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)

    def _shrink(self, now: float) -> None:
        """Drop the buckets back to full, then, while still too many, the least recently used
        (which have had the longest to refill): to half the bound, so that a sweep is rare."""
        for key in [k for k, b in self._buckets.items() if self._full(b, now)]:
            del self._buckets[key]
        while len(self._buckets) > self.max_buckets // 2:
            self._buckets.popitem(last=False)

    def _full(self, bucket: _Bucket, now: float) -> bool:
        return bucket.tokens + (now - bucket.updated) * self.rate >= self.burst


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
    return f"ip:{address_bucket(client[0]) if client else 'unknown'}"


def address_bucket(host: str) -> str:
    """The bucket of a client address: an IPv4 address itself, an IPv6 one's /64 (an IPv4
    address mapped into IPv6 is the IPv4 address)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)
