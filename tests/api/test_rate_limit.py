"""Rate limits: a token bucket per API key (per address without one), 429 with Retry-After.

A key's bucket is charged only by requests whose key authenticated: key ids are not secret, so
a token naming a key id without its secret, or any key that fails, is charged to the address."""

from __future__ import annotations

import secrets

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.rate_limit import TokenBuckets, address_bucket
from registry.access import Principal, audit_log, authenticate
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


def limited_app(runtime: Runtime, *, burst: int = 5) -> FastAPI:
    """The API with bursts of ``burst`` and a bucket clock that stands still: no token comes
    back while the test runs, however slow it is."""
    runtime.settings = runtime.settings.model_copy(
        update={"rate_limit_per_minute": 60, "rate_limit_burst": burst}
    )
    app = create_app(runtime=runtime, run_batcher=False)
    [buckets] = [m.kwargs["buckets"] for m in app.user_middleware if "buckets" in m.kwargs]
    assert isinstance(buckets, TokenBuckets)
    buckets.clock = lambda: 0.0
    return app


def key_id_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ").split("_")[1]


def made_up_key() -> dict[str, str]:
    return {"Authorization": f"Bearer bq_{secrets.token_hex(8)}_{secrets.token_urlsafe(8)}"}


def test_requests_over_the_limit_get_429_per_key(runtime: Runtime) -> None:
    first, second = bearer(runtime, "platform"), bearer(runtime, "platform")
    with TestClient(limited_app(runtime)) as client:
        statuses = [client.get("/health", headers=first).status_code for _ in range(7)]
        assert statuses[:5] == [200] * 5
        assert statuses[5:] == [429, 429]
        limited = client.get("/health", headers=first)
        assert limited.json()["code"] == "rate_limited"
        assert limited.json()["message"].startswith("请求过于频繁")  # zh-CN, then English
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/health", headers=second).status_code == 200  # another key


def test_forged_tokens_naming_a_key_id_do_not_lock_its_key_out(runtime: Runtime) -> None:
    """Key ids are seen by others (audit lines, decisions): tokens naming one with a made-up
    secret are charged to the forger's address, never to the key."""
    moderator = bearer(runtime, "moderator")
    forged = {"Authorization": f"Bearer bq_{key_id_of(moderator)}_forged"}
    with TestClient(limited_app(runtime)) as client:
        refused = [
            client.get("/v1/moderation/review", headers=forged).status_code for _ in range(25)
        ]
        public = client.get("/health", headers=forged)
        # The forger's address pays: its burst of five 401s, then 429, wherever it sends them.
        assert refused[:5] == [401] * 5
        assert set(refused[5:]) == {429}
        assert public.status_code == 429
        # The real key has its whole burst, from the very address the forger emptied.
        own = [client.get("/v1/moderation/review", headers=moderator) for _ in range(6)]
        assert [r.status_code for r in own] == [200] * 5 + [429]


def test_made_up_key_ids_buy_an_anonymous_client_no_more_requests(runtime: Runtime) -> None:
    with TestClient(limited_app(runtime)) as client:
        search = {"title": "三体"}
        anonymous = [client.get("/v1/works/search", params=search).status_code for _ in range(3)]
        made_up = [
            client.get("/v1/works/search", params=search, headers=made_up_key()).status_code
            for _ in range(20)
        ]
    assert anonymous == [200] * 3
    # A fresh key id each time is the same address: two more requests, then 429.
    assert made_up[:2] == [200, 200]
    assert set(made_up[2:]) == {429}


def test_writes_with_made_up_keys_leave_no_more_audit_lines_than_the_burst(
    runtime: Runtime,
) -> None:
    before = len(audit_log(runtime.sessions))
    body = {"url": "https://platform.example/hook"}
    with TestClient(limited_app(runtime)) as client:
        statuses = [
            client.post("/v1/webhooks", json=body, headers=made_up_key()).status_code
            for _ in range(30)
        ]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    lines = audit_log(runtime.sessions)[: len(audit_log(runtime.sessions)) - before]
    assert [(line.status, line.key_id) for line in lines] == [(401, None)] * 5


@pytest.mark.parametrize("path", ["/v1/webhooks", "/health"])
def test_a_key_is_checked_once_per_request(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """The rate limit checks the key to pick its bucket; the route reuses that answer (one
    lookup, one hash of the secret)."""
    checked: list[Principal] = []
    check = authenticate

    def counting(*args: object, **kwargs: object) -> Principal:
        principal = check(*args, **kwargs)  # type: ignore[arg-type]
        checked.append(principal)
        return principal

    monkeypatch.setattr("api.auth.authenticate", counting)
    key = bearer(runtime, "platform")
    with TestClient(limited_app(runtime)) as client:
        assert client.get(path, headers=key).status_code == 200
    assert [p.key_id for p in checked] == [key_id_of(key)]


def test_the_table_of_buckets_is_bounded_without_freeing_a_drained_client() -> None:
    """A flood of addresses costs at most the bound; full buckets go first, then the least
    recently used, and a client that drained its bucket and keeps asking stays limited."""
    now = [0.0]
    buckets = TokenBuckets(rate=1.0, burst=2, clock=lambda: now[0], max_buckets=10)
    assert [buckets.take("drained") for _ in range(3)] == [0.0, 0.0, 1.0]
    for n in range(100):
        buckets.take(f"flood-{n}")
        assert buckets.take("drained") > 0  # still limited: used recently, never evicted
        assert len(buckets) <= 10
    now[0] += 5.0  # every bucket back to full: a sweep drops them all
    for n in range(10):
        buckets.take(f"later-{n}")
    assert len(buckets) <= 10


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
    ],
)
def test_an_ipv6_client_is_limited_by_its_64(host: str, bucket: str) -> None:
    assert address_bucket(host) == bucket
