"""Webhook subscriptions over HTTP: platform scope, one's own subscriptions only, bad input
refused with nothing stored, replay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from api.app import create_app
from cli.launcher import AnvilProcess
from registry.core.events import EventType
from registry.core.models import ApiKey, WebhookDelivery, WebhookSubscription
from registry.platform.runtime import Runtime
from registry.platform.webhooks import deliver_due
from tests.api.test_moderation import BOOK, EDITED, decide, moderated_runtime, queue
from tests.api.test_moderation import register as upload
from tests.conftest import bearer, serve_asgi
from tests.registry.platform.test_webhooks import POLICY as LOOPBACK
from tests.registry.platform.test_webhooks import Received, Receiver, register


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
    wrong = client.post("/v1/webhooks", json=body, headers=bearer(runtime, "lender"))
    assert (wrong.status_code, wrong.json()["code"]) == (403, "missing_scope")
    assert stored(runtime) == 0
    created = client.post("/v1/webhooks", json=body, headers=bearer(runtime, "platform"))
    assert created.status_code == 201
    document = created.json()
    assert document["secret"].startswith("whsec_")
    assert document["algorithm"] == "hmac-sha256"
    assert "registered" in document["event_types"]
    assert "tokenized" in document["event_types"]
    assert "review_decided" in document["event_types"]
    assert document["event_types"] == [kind.value for kind in EventType]
    assert document["party"] is None  # a platform hears of every work


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


def test_a_loopback_target_in_dev_mode_is_accepted_with_a_warning(
    client: TestClient, runtime: Runtime
) -> None:
    assert runtime.settings.mode == "dev"
    response = client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook"},
        headers=bearer(runtime, "platform"),
    )
    assert response.status_code == 201, response.text
    [warning] = response.json()["warnings"]
    assert "生产环境" in warning  # zh-CN first, English beside
    assert "outside it the subscription is refused (webhook_target_forbidden)" in warning


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
        assert (replayed.status_code, replayed.json()) == (202, {"queued": 1, "pending": 0})
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


def test_replaying_what_is_still_pending_is_refused(client: TestClient, runtime: Runtime) -> None:
    """A replay cannot be repeated to keep a subscription's whole history queued (or to undo a
    failing receiver's backoff): once everything it asks for is pending, it is refused."""
    key = bearer(runtime, "platform")
    created = client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/sink"}, headers=key
    ).json()
    for n in range(3):
        register(runtime, f"历史 {n}")
    path = f"/v1/webhooks/{created['id']}/replay"
    first = client.post(path, params={"from_event": 1}, headers=key)
    assert (first.status_code, first.json()) == (202, {"queued": 3, "pending": 0})
    with runtime.sessions() as session:
        before = [
            (d.id, d.attempts, d.next_attempt_at) for d in session.scalars(select(WebhookDelivery))
        ]
    again = client.post(path, params={"from_event": 1}, headers=key)
    assert (again.status_code, again.json()["code"]) == (409, "replay_pending")
    assert again.json()["details"] == {"id": created["id"], "from_event": 1, "pending": 3}
    assert again.json()["message"].startswith("重放")  # zh-CN, then English
    with runtime.sessions() as session:
        after = [
            (d.id, d.attempts, d.next_attempt_at) for d in session.scalars(select(WebhookDelivery))
        ]
    assert after == before


def test_a_revoked_key_hears_nothing_more(client: TestClient, runtime: Runtime) -> None:
    """Revoking a platform's key (or its party) stops its subscriptions: what was queued for
    it is not sent, and later events are not queued; another key's subscription goes on."""
    revoked, kept, admin = (
        bearer(runtime, "platform"),
        bearer(runtime, "platform"),
        bearer(runtime, "admin"),
    )
    party_key = bearer(runtime, "platform")
    to_revoked, to_kept, to_party = Receiver(), Receiver(), Receiver()
    with (
        serve_asgi(to_revoked.app()) as url_revoked,
        serve_asgi(to_kept.app()) as url_kept,
        serve_asgi(to_party.app()) as url_party,
        httpx.Client(timeout=2) as http,
    ):
        for headers, url in ((revoked, url_revoked), (kept, url_kept), (party_key, url_party)):
            made = client.post("/v1/webhooks", json={"url": f"{url}/hook"}, headers=headers)
            assert made.status_code == 201, made.text
        queued = register(runtime, "撤销前 before")
        key_id = revoked["Authorization"].removeprefix("Bearer ").split("_")[1]
        gone = client.delete(f"/v1/admin/keys/{key_id}", headers=admin)
        assert gone.status_code == 204, gone.text
        party = client.get("/v1/parties/me", headers=party_key).json()["party_id"]
        ended = client.post(f"/v1/admin/parties/{party}/revoke", headers=admin)
        assert ended.status_code == 200, ended.text
        later = register(runtime, "撤销后 after")
        assert deliver_due(runtime.sessions, http, runtime.now, policy=LOOPBACK).failed == 0
    assert to_revoked.received == []
    assert to_party.received == []
    assert [r.document["subject"] for r in to_kept.received] == [queued.leaf, later.leaf]


# ------------------------------------------------------------ a registrant's own subscription


def party_of(runtime: Runtime, headers: dict[str, str]) -> int | None:
    key_id = headers["Authorization"].removeprefix("Bearer ").split("_")[1]
    with runtime.sessions() as session:
        return session.scalar(select(ApiKey.party_id).where(ApiKey.key_id == key_id))


def data(received: Received) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(received.body)
    return dict(document["data"])


def numbers(receiving: Receiver) -> set[object]:
    return {data(r)["number"] for r in receiving.received}


def test_a_publisher_hears_of_its_own_partys_works_only(
    tmp_path: Path, database_url: str, anvil: AnvilProcess
) -> None:
    """Each publisher subscribes with its own key; decisions on a work (a held registration
    rejected, a complaint dismissed) reach the registering party, and nothing of another
    party's works ever does, replayed or not."""
    runtime = moderated_runtime(
        tmp_path, database_url, anvil, moderation_hooks=["blocklist", "conflict"]
    )
    a, b = bearer(runtime, "publisher"), bearer(runtime, "publisher")
    moderator, platform = bearer(runtime, "moderator"), bearer(runtime, "platform")
    to_a, to_b, to_platform = Receiver(), Receiver(), Receiver()
    with (
        TestClient(create_app(runtime=runtime, run_batcher=False)) as client,
        serve_asgi(to_a.app()) as url_a,
        serve_asgi(to_b.app()) as url_b,
        serve_asgi(to_platform.app()) as url_platform,
        httpx.Client(timeout=2) as http,
    ):
        created_a = client.post("/v1/webhooks", json={"url": f"{url_a}/hook"}, headers=a)
        assert created_a.status_code == 201, created_a.text
        assert created_a.json()["party"] == party_of(runtime, a)
        created_b = client.post("/v1/webhooks", json={"url": f"{url_b}/hook"}, headers=b).json()
        assert created_b["party"] == party_of(runtime, b) != created_a.json()["party"]
        client.post("/v1/webhooks", json={"url": f"{url_platform}/hook"}, headers=platform)
        # Another publisher's subscription is not found by this one.
        assert client.get("/v1/webhooks", headers=b).json()[0]["id"] == created_b["id"]
        refused = client.delete(f"/v1/webhooks/{created_a.json()['id']}", headers=b)
        assert (refused.status_code, refused.json()["code"]) == (404, "webhook_not_found")

        original = upload(client, a, BOOK, "原作")
        held = upload(client, b, EDITED, "改编")  # near-duplicate of a's work: held
        assert held["status"] == "held"
        (item,) = queue(client, moderator)
        decide(client, moderator, item["id"], "reject", "与他人作品近似 near-duplicate")
        complaint = client.post(
            "/v1/moderation/complaints",
            json={"registration": original["number"], "statement": "侵权 infringing"},
            headers=platform,
        ).json()
        decide(client, moderator, complaint["id"], "reject", "证据不足 no evidence")
        assert deliver_due(runtime.sessions, http, runtime.now, policy=LOOPBACK).failed == 0
        replayed = client.post(
            f"/v1/webhooks/{created_b['id']}/replay", params={"from_event": 1}, headers=b
        )
        assert replayed.status_code == 202
        deliver_due(runtime.sessions, http, runtime.now, policy=LOOPBACK)
    runtime.close()

    assert numbers(to_a) == {original["number"]}
    assert numbers(to_b) == {held["number"]}
    assert numbers(to_platform) == {original["number"], held["number"]}
    assert len(to_b.received) > len({r.document["id"] for r in to_b.received})  # replayed
    # Each registration's first event says what the hooks made of it: a, pending; b, held.
    for receiving, status in ((to_a, "pending"), (to_b, "held")):
        assert {
            data(r)["status"] for r in receiving.received if r.document["type"] == "registered"
        } == {status}
    decided_a = [data(r) for r in to_a.received if r.document["type"] == "review_decided"]
    [decided_b] = {
        r.document["id"]: data(r) for r in to_b.received if r.document["type"] == "review_decided"
    }.values()
    assert decided_b == {
        "number": held["number"],
        "review_item": item["id"],
        "kind": "registration",
        "decision": "rejected",
        "reason": "与他人作品近似 near-duplicate",
        "decided_by_role": "moderator",
        "registration_status": "rejected",
        "summary": {
            "zh-CN": "登记经审核未通过，不会上链",
            "en": "The registration was rejected after review and will not be anchored",
        },
    }
    [complaint_decided] = decided_a
    assert (complaint_decided["kind"], complaint_decided["decision"]) == ("complaint", "dismissed")
    assert complaint_decided["summary"]["en"] == "A complaint against the work was dismissed"
    # The reviewer's role, never who: no key id of the moderator in any body.
    moderator_key = moderator["Authorization"].removeprefix("Bearer ").split("_")[1]
    assert all(moderator_key not in r.body.decode() for r in to_a.received + to_b.received)


def test_a_key_holds_a_bounded_number_of_subscriptions(
    client: TestClient, runtime: Runtime
) -> None:
    """Each subscription is a delivery of every event it hears: a key holding thousands would
    multiply the dispatcher's work at will. Past the limit it is told so, and nothing is stored;
    another key is not held back, and a deleted subscription frees its place."""
    limit = runtime.settings.webhook_subscriptions_per_key
    mine, theirs = bearer(runtime, "platform"), bearer(runtime, "platform")

    def subscribe(headers: dict[str, str], n: int) -> Response:
        return client.post("/v1/webhooks", json={"url": f"https://p.example/{n}"}, headers=headers)

    held = [subscribe(mine, n).json()["id"] for n in range(limit)]
    refused = subscribe(mine, limit)
    assert (refused.status_code, refused.json()["code"]) == (409, "webhook_limit_reached")
    assert refused.json()["details"] == {"limit": limit, "held": limit}
    assert stored(runtime) == limit
    assert subscribe(theirs, 0).status_code == 201
    assert client.delete(f"/v1/webhooks/{held[0]}", headers=mine).status_code == 204
    assert subscribe(mine, limit).status_code == 201
