"""Webhook subscriptions over HTTP: platform scope, one's own subscriptions only, bad input
refused with nothing stored, replay."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from registry.models import WebhookSubscription
from registry.runtime import Runtime
from registry.webhooks import deliver_due
from tests.conftest import bearer, serve_asgi
from tests.registry.test_webhooks import POLICY as LOOPBACK
from tests.registry.test_webhooks import Receiver, register


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def stored(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(WebhookSubscription)) or 0


def test_subscribing_needs_a_platform_key(client: TestClient, runtime: Runtime) -> None:
    body = {"url": "https://platform.example/hook"}
    assert client.post("/v1/webhooks", json=body).status_code == 401
    assert client.get("/v1/webhooks").status_code == 401
    wrong = client.post("/v1/webhooks", json=body, headers=bearer(runtime, "publisher"))
    assert (wrong.status_code, wrong.json()["code"]) == (403, "missing_scope")
    assert stored(runtime) == 0
    created = client.post("/v1/webhooks", json=body, headers=bearer(runtime, "platform"))
    assert created.status_code == 201
    document = created.json()
    assert document["secret"].startswith("whsec_")
    assert document["algorithm"] == "hmac-sha256"
    assert "registered" in document["event_types"]
    assert len(document["event_types"]) == 10


def test_a_key_sees_and_changes_only_its_own_subscriptions(
    client: TestClient, runtime: Runtime
) -> None:
    mine, theirs = bearer(runtime, "platform"), bearer(runtime, "platform")
    created = client.post(
        "/v1/webhooks",
        json={
            "url": "https://a.example/hook",
            "event_types": ["anchored"],
            "algorithm": "hmac-sm3",
        },
        headers=mine,
    ).json()
    listed = client.get("/v1/webhooks", headers=mine).json()
    assert [(s["id"], s["event_types"], s["algorithm"]) for s in listed] == [
        (created["id"], ["anchored"], "hmac-sm3")
    ]
    assert "secret" not in listed[0]
    assert client.get("/v1/webhooks", headers=theirs).json() == []
    for response in (
        client.delete(f"/v1/webhooks/{created['id']}", headers=theirs),
        client.post(f"/v1/webhooks/{created['id']}/replay?from_event=1", headers=theirs),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "webhook_not_found")
    assert stored(runtime) == 1
    # An admin key may act on any subscription.
    assert len(client.get("/v1/webhooks", headers=bearer(runtime, "admin")).json()) == 1
    assert client.delete(f"/v1/webhooks/{created['id']}", headers=mine).status_code == 204
    assert client.get("/v1/webhooks", headers=mine).json() == []
    assert client.delete(f"/v1/webhooks/{created['id']}", headers=mine).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://platform.example/hook"},
        {"url": "not a url"},
        {"url": "https:///no-host"},
        {"url": "https://platform.example/ho\u0000ok"},
        {"url": "https://platform.example/with space"},
        {"url": "https://platform.example/hook", "event_types": ["registered", "deleted"]},
        {"url": "https://platform.example/hook", "event_types": []},
        {"url": "https://platform.example/hook", "algorithm": "hmac-md5"},
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, body: dict[str, object]
) -> None:
    response = client.post("/v1/webhooks", json=body, headers=bearer(runtime, "platform"))
    assert (response.status_code, response.json()["code"]) == (400, "invalid_webhook")
    assert stored(runtime) == 0


def test_replay_from_an_event_id_delivers_again(client: TestClient, runtime: Runtime) -> None:
    receiving = Receiver()
    key = bearer(runtime, "platform")
    with serve_asgi(receiving.app()) as base, httpx.Client(timeout=2) as http:
        created = client.post("/v1/webhooks", json={"url": f"{base}/hook"}, headers=key).json()
        first, second = register(runtime, "一"), register(runtime, "二")
        assert deliver_due(runtime.sessions, http, runtime.now, policy=LOOPBACK).delivered == 2
        event_ids = receiving.event_ids()
        replayed = client.post(
            f"/v1/webhooks/{created['id']}/replay", params={"from_event": event_ids[1]}, headers=key
        )
        assert (replayed.status_code, replayed.json()) == (202, {"queued": 1})
        assert deliver_due(runtime.sessions, http, runtime.now, policy=LOOPBACK).delivered == 1
    assert receiving.event_ids() == [*event_ids, event_ids[1]]
    assert [r.document["subject"] for r in receiving.received] == [
        first.leaf,
        second.leaf,
        second.leaf,
    ]
    bad = client.post(f"/v1/webhooks/{created['id']}/replay", params={"from_event": 0}, headers=key)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_request")
    too_big = client.delete(f"/v1/webhooks/{2**31}", headers=key)
    assert (too_big.status_code, too_big.json()["code"]) == (422, "invalid_request")
