"""Rate limits: a token bucket per API key (per address without one), 429 with Retry-After."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from api.rate_limit import TokenBuckets
from registry.platform.runtime import Runtime
from tests.conftest import bearer


def test_bucket_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=3, clock=lambda: now[0])
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k") == 0.5  # one token comes back every half second
    assert buckets.take("other") == 0.0  # buckets are per key
    now[0] += 0.5
    assert buckets.take("k") == 0.0


def test_requests_over_the_limit_get_429_per_key(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={"rate_limit_per_minute": 60, "rate_limit_burst": 5}
    )
    first, second = bearer(runtime, "platform"), bearer(runtime, "platform")
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        statuses = [client.get("/health", headers=first).status_code for _ in range(7)]
        assert statuses[:5] == [200] * 5
        assert statuses[5:] == [429, 429]
        limited = client.get("/health", headers=first)
        assert limited.json()["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/health", headers=second).status_code == 200  # another key
