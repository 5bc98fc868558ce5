"""Webhooks against a real local HTTP receiver (uvicorn) and real SQLite and PostgreSQL: the
outbox in the change's transaction, signatures of both algorithms, retries with backoff while the
receiver fails, hangs or is down, order per work, giving up, replay, filters."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from typer.testing import CliRunner

from chain_client.registry_anchor import RegistryAnchorClient
from cli.main import app
from cli.webhooks import delivery_policy
from registry.access.keys import create_api_key
from registry.core.database import unit_of_work
from registry.core.errors import EmptyFile, ReplayPending, WebhookTargetForbidden
from registry.core.events import EventType, record_event
from registry.core.metadata import WorkMetadata
from registry.core.models import ApiKey, Event, WebhookDelivery
from registry.core.settings import Settings
from registry.core.views import RegistrationView, as_utc
from registry.platform.runtime import Runtime
from registry.platform.webhooks import (
    PRIVATE_TARGET_WARNING,
    CreatedSubscription,
    DeliveryPolicy,
    Replayed,
    WebhookDispatcher,
    create_subscription,
    deliver_due,
    list_subscriptions,
    replay,
    signature,
    verify_signature,
)
from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.registration.registrar import Registrar
from tests.conftest import free_port, serve_asgi

# The receivers of these tests listen on loopback.
POLICY = DeliveryPolicy(timeout=0.5, max_attempts=5, allow_private_targets=True)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def document(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """A platform's endpoint: records what it accepts; can be told to fail or to hang."""

    mode: str = "ok"  # ok, fail (HTTP 500), hang (answers after 3 s)
    received: list[Received] = field(default_factory=list)
    attempts: int = 0

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            body = await request.body()
            self.attempts += 1
            if self.mode == "fail":
                return Response(status_code=500)
            if self.mode == "hang":
                await asyncio.sleep(3)
                return Response(status_code=200)
            self.received.append(Received(dict(request.headers), body))
            return Response(status_code=204)

        return Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])

    def event_ids(self) -> list[int]:
        return [int(r.headers["x-banquan-event-id"]) for r in self.received]


@contextmanager
def serve_at(app: Starlette, port: int) -> Iterator[str]:
    """Like tests.conftest.serve_asgi, on a given port (so a receiver can be down, then up)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "receiver did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        server.should_exit = True
        thread.join(30)


class Clock:
    """A clock the test moves (retries are due by it), starting at the real time."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=POLICY.timeout) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    receiving = Receiver()
    port = free_port()
    with serve_at(receiving.app(), port) as url:
        yield receiving, url


def register(runtime: Runtime, text: str) -> RegistrationView:
    return Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now).register(
        io.BytesIO(f"{text} {time.time_ns()}".encode()), WorkMetadata(title=text)
    )


def subscribe(
    runtime: Runtime,
    url: str,
    *,
    algorithm: str = "hmac-sha256",
    event_types: list[str] | None = None,
    key_id: str = "platform-key",
) -> CreatedSubscription:
    return create_subscription(
        runtime.sessions,
        key_id=key_id,
        url=url,
        event_types=event_types,
        algorithm=algorithm,
        now=runtime.now,
        allow_private_targets=True,
    )


def events(runtime: Runtime) -> list[Event]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Event).order_by(Event.id)))


def deliveries(runtime: Runtime) -> list[WebhookDelivery]:
    with runtime.sessions() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.event_id)))


def in_order_per_subject(received: list[Received]) -> bool:
    seen: dict[str, int] = {}
    for request in received:
        document = request.document
        subject, event_id = str(document["subject"]), int(str(document["id"]))
        if seen.get(subject, 0) > event_id:
            return False
        seen[subject] = event_id
    return True


# ----------------------------------------------------------------------------------- the outbox


def test_registering_records_the_registered_event(runtime: Runtime) -> None:
    view = register(runtime, "三国演义")
    [event] = events(runtime)
    assert (event.type, event.subject, event.fanned_out) == ("registered", view.leaf, False)
    payload = json.loads(event.payload_json)
    assert (payload["number"], payload["sha256"]) == (view.number, view.sha256)
    assert payload["status"] == view.status == "pending"


def test_a_refused_registration_records_no_event(runtime: Runtime) -> None:
    with pytest.raises(EmptyFile):
        Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now).register(
            io.BytesIO(b""), WorkMetadata(title="空")
        )
    assert events(runtime) == []


def test_an_event_is_rolled_back_with_its_transaction(runtime: Runtime) -> None:
    def failing_change() -> None:
        with unit_of_work(runtime.sessions) as session:
            record_event(session, EventType.REGISTERED, "00" * 32, {"number": "BQ-x"})
            session.flush()
            raise RuntimeError("the change fails after the event was written")

    with pytest.raises(RuntimeError):
        failing_change()
    assert events(runtime) == []


def test_anchoring_records_anchored_and_confirmed_events(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    views = [register(runtime, f"作品 {n}") for n in range(2)]
    cycle = run_anchoring_cycle(
        runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now
    )
    assert cycle.error is None
    recorded = [(e.type, e.subject) for e in events(runtime)]
    for view in views:
        assert [t for t, s in recorded if s == view.leaf] == ["registered", "anchored", "confirmed"]
    anchored = [e for e in events(runtime) if e.type == "anchored"]
    assert json.loads(anchored[0].payload_json)["tx_hash"] is not None


def test_a_chain_event_seen_twice_is_recorded_once(runtime: Runtime) -> None:
    for _ in range(2):
        with unit_of_work(runtime.sessions) as session:
            record_event(session, EventType.FROZEN, "11" * 32, {}, source_key="chain:0xab:3")
    assert len(events(runtime)) == 1


# ------------------------------------------------------------------------------------- delivery


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "hmac-sm3"])
def test_events_arrive_signed_with_the_subscriptions_algorithm(
    runtime: Runtime, receiver: tuple[Receiver, str], http: httpx.Client, algorithm: str
) -> None:
    receiving, url = receiver
    created = subscribe(runtime, url, algorithm=algorithm)
    view = register(runtime, "红楼梦")
    report = deliver_due(runtime.sessions, http, runtime.now, policy=POLICY)
    assert (report.fanned_out, report.delivered) == (1, 1)
    [request] = receiving.received
    headers = request.headers
    assert headers["x-banquan-signature"].startswith(f"{algorithm}=")
    assert verify_signature(
        created.secret, headers["x-banquan-timestamp"], request.body, headers["x-banquan-signature"]
    )
    assert not verify_signature(
        created.secret,
        headers["x-banquan-timestamp"],
        request.body + b" ",
        headers["x-banquan-signature"],
    )
    assert not verify_signature(
        "whsec_another",
        headers["x-banquan-timestamp"],
        request.body,
        headers["x-banquan-signature"],
    )
    document = request.document
    assert document["type"] == "registered"
    assert document["subject"] == view.leaf
    assert document["id"] == int(headers["x-banquan-event-id"])
    assert json.loads(json.dumps(document["data"]))["number"] == view.number
    assert [d.status for d in deliveries(runtime)] == ["delivered"]
    # Nothing is sent twice.
    assert deliver_due(runtime.sessions, http, runtime.now, policy=POLICY).delivered == 0
    assert len(receiving.received) == 1


def test_a_stale_timestamp_is_refused() -> None:
    body = b'{"id":1}'
    then = datetime(2026, 1, 1, tzinfo=UTC)
    timestamp = str(int(then.timestamp()))
    header = signature("whsec_s", "hmac-sha256", timestamp, body)
    assert verify_signature("whsec_s", timestamp, body, header, now=then + timedelta(minutes=4))
    assert not verify_signature("whsec_s", timestamp, body, header, now=then + timedelta(minutes=6))
    assert not verify_signature("whsec_s", "not a time", body, header, now=then)


def test_receiver_down_then_up_gets_everything_in_order_per_work(
    runtime: Runtime, anchor_client: RegistryAnchorClient, http: httpx.Client
) -> None:
    port = free_port()
    subscribe(runtime, f"http://127.0.0.1:{port}/hook")
    for n in range(3):
        register(runtime, f"离线 {n}")
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    register(runtime, "后来的")
    clock = Clock()
    for _ in range(4):  # nobody listening: connections refused, retried later
        report = deliver_due(runtime.sessions, http, clock, policy=POLICY)
        assert report.delivered == 0
        clock.advance(timedelta(minutes=5))
    assert {d.status for d in deliveries(runtime)} == {"pending"}
    assert any(d.attempts > 0 and d.last_error for d in deliveries(runtime))

    receiving = Receiver()
    with serve_at(receiving.app(), port):
        for _ in range(10):
            clock.advance(timedelta(hours=1))
            deliver_due(runtime.sessions, http, clock, policy=POLICY)
            if {d.status for d in deliveries(runtime)} == {"delivered"}:
                break
    assert {d.status for d in deliveries(runtime)} == {"delivered"}
    assert sorted(set(receiving.event_ids())) == [e.id for e in events(runtime)]
    assert len(receiving.event_ids()) == 3 * 3 + 1
    assert in_order_per_subject(receiving.received)


def test_a_failing_receiver_is_retried_with_exponential_backoff(
    runtime: Runtime, receiver: tuple[Receiver, str], http: httpx.Client
) -> None:
    receiving, url = receiver
    receiving.mode = "fail"
    subscribe(runtime, url)
    register(runtime, "重试")
    clock = Clock()
    policy = DeliveryPolicy(timeout=0.5, max_attempts=20, allow_private_targets=True)
    waits = []
    for _ in range(6):
        deliver_due(runtime.sessions, http, clock, policy=policy, jitter=lambda: 1.0)
        [delivery] = deliveries(runtime)
        waits.append(as_utc(delivery.next_attempt_at) - clock())
        assert deliver_due(runtime.sessions, http, clock, policy=policy).retrying == 0  # not due
        clock.at = as_utc(delivery.next_attempt_at)
    assert [w.total_seconds() for w in waits] == [10, 20, 40, 80, 160, 320]
    assert (delivery.attempts, delivery.last_error) == (6, "HTTP 500")
    assert receiving.attempts == 6


def test_the_backoff_is_capped_and_jittered() -> None:
    policy = DeliveryPolicy(base_delay=timedelta(seconds=10), max_delay=timedelta(hours=1))
    assert policy.backoff(1, 1.0) == timedelta(seconds=10)
    assert policy.backoff(1, 0.0) == timedelta(seconds=5)
    assert policy.backoff(30, 1.0) == timedelta(hours=1)
    assert policy.backoff(100, 0.0) == timedelta(minutes=30)


def test_a_hanging_receiver_times_out_and_is_retried(
    runtime: Runtime, receiver: tuple[Receiver, str], http: httpx.Client
) -> None:
    receiving, url = receiver
    receiving.mode = "hang"
    subscribe(runtime, url)
    register(runtime, "超时")
    started = time.monotonic()
    report = deliver_due(runtime.sessions, http, runtime.now, policy=POLICY)
    assert time.monotonic() - started < 2.5
    assert (report.delivered, report.retrying) == (0, 1)
    [delivery] = deliveries(runtime)
    assert delivery.status == "pending"
    assert delivery.last_error is not None
    assert "Timeout" in delivery.last_error


def test_after_giving_up_later_events_wait_until_a_replay(
    runtime: Runtime, receiver: tuple[Receiver, str], http: httpx.Client
) -> None:
    receiving, url = receiver
    receiving.mode = "fail"
    created = subscribe(runtime, url)
    view = register(runtime, "放弃")
    clock = Clock()
    for _ in range(POLICY.max_attempts):
        deliver_due(runtime.sessions, http, clock, policy=POLICY)
        clock.advance(timedelta(hours=2))
    [first] = deliveries(runtime)
    assert (first.status, first.attempts) == ("failed", POLICY.max_attempts)
    [listed] = list_subscriptions(runtime.sessions, key_id="platform-key")
    assert (listed.failed, listed.first_failed_event) == (1, first.event_id)

    # A later event of the same work is held back behind the failed one; another work is not.
    receiving.mode = "ok"
    with unit_of_work(runtime.sessions) as session:
        record_event(session, EventType.FROZEN, view.leaf, {"authority": "moderator"})
    other = register(runtime, "另一部")
    deliver_due(runtime.sessions, http, clock, policy=POLICY)
    assert [r.document["subject"] for r in receiving.received] == [other.leaf]

    queued = replay(
        runtime.sessions,
        created.subscription.id,
        key_id="platform-key",
        from_event=first.event_id,
        now=clock,
    )
    # The failed one and the other work's (again); the held-back one is pending already.
    assert queued == Replayed(queued=2, pending=1)
    deliver_due(runtime.sessions, http, clock, policy=POLICY)
    types = [(r.document["subject"], r.document["type"]) for r in receiving.received[1:]]
    assert types == [(view.leaf, "registered"), (view.leaf, "frozen"), (other.leaf, "registered")]
    assert {d.status for d in deliveries(runtime)} == {"delivered"}


# ------------------------------------------- one subscriber holds up no other (replays, failures)


def deliveries_of(runtime: Runtime, subscription: CreatedSubscription) -> list[WebhookDelivery]:
    return [d for d in deliveries(runtime) if d.subscription_id == subscription.subscription.id]


def test_a_replaying_failing_subscriber_does_not_hold_back_anothers_event(
    runtime: Runtime, http: httpx.Client
) -> None:
    """The attack: a platform replays the whole history to its own receiver, which answers
    500, and replays again before every pass, to keep the batch full of its deliveries."""
    policy = replace(POLICY, max_attempts=12, batch_size=10)
    failing, listening = Receiver(mode="fail"), Receiver()
    clock = Clock()
    with serve_asgi(failing.app()) as sink, serve_asgi(listening.app()) as platform:
        history = [register(runtime, f"历史 {n}") for n in range(12)]
        deliver_due(runtime.sessions, http, clock, policy=policy)  # nobody subscribed yet
        victim = subscribe(runtime, f"{platform}/hook", key_id="victim-key")
        attacker = subscribe(runtime, f"{sink}/hook", key_id="attacker-key")
        replayed = replay(
            runtime.sessions,
            attacker.subscription.id,
            key_id="attacker-key",
            from_event=1,
            now=clock,
        )
        assert replayed == Replayed(queued=12, pending=0)
        new = register(runtime, "受害平台的新作品")

        deliver_due(runtime.sessions, http, clock, policy=policy)
        # The victim's event went out in this very pass, though the attacker's twelve older
        # ones filled more than the batch.
        assert [r.document["subject"] for r in listening.received] == [new.leaf]
        # The failing receiver was tried once, and rests until that delivery's retry.
        assert failing.attempts == 1
        [tried] = [d for d in deliveries_of(runtime, attacker) if d.attempts]
        rest = as_utc(tried.next_attempt_at)
        assert rest > clock()
        assert {d.status for d in deliveries_of(runtime, attacker)} == {"pending"}

        # Replaying again cannot undo that rest: everything it asks for is still pending.
        with pytest.raises(ReplayPending) as refused:
            replay(
                runtime.sessions,
                attacker.subscription.id,
                key_id="attacker-key",
                from_event=1,
                now=clock,
            )
        assert refused.value.details["pending"] == 13
        [still] = [d for d in deliveries_of(runtime, attacker) if d.attempts]
        assert (still.attempts, as_utc(still.next_attempt_at)) == (1, rest)

        # Others go on meanwhile; the resting receiver is not tried again before its time, not
        # even for an event fanned out during its rest.
        later = register(runtime, "又一部")
        for _ in range(3):
            deliver_due(runtime.sessions, http, clock, policy=policy)
        assert [r.document["subject"] for r in listening.received] == [new.leaf, later.leaf]
        assert failing.attempts == 1
        clock.at = rest
        deliver_due(runtime.sessions, http, clock, policy=policy)
        assert failing.attempts == 2  # one attempt per backoff, not one per pass
    assert [d.status for d in deliveries_of(runtime, victim)] == ["delivered", "delivered"]
    assert len(deliveries_of(runtime, attacker)) == len(history) + 2
    assert {d.status for d in deliveries_of(runtime, attacker)} == {"pending"}


def test_a_backlog_takes_turns_with_other_keys(runtime: Runtime, http: httpx.Client) -> None:
    """A replayed history delivered fine still takes only its turn of each batch: another
    key's new event goes out in the first pass, and the backlog arrives whole, in order."""
    policy = replace(POLICY, batch_size=3)
    backlog, other = Receiver(), Receiver()
    with serve_asgi(backlog.app()) as first, serve_asgi(other.app()) as second:
        for n in range(8):
            register(runtime, f"积压 {n}")
        deliver_due(runtime.sessions, http, runtime.now, policy=policy)
        busy = subscribe(runtime, f"{first}/hook", key_id="busy-key")
        subscribe(runtime, f"{second}/hook", key_id="other-key")
        replay(runtime.sessions, busy.subscription.id, key_id=None, from_event=1, now=runtime.now)
        new = register(runtime, "新的")
        report = deliver_due(runtime.sessions, http, runtime.now, policy=policy)
        assert report.delivered == 3
        assert [r.document["subject"] for r in other.received] == [new.leaf]
        oldest = [e.id for e in events(runtime)][:2]
        assert backlog.event_ids() == oldest  # its turns: its oldest two
        for _ in range(4):
            deliver_due(runtime.sessions, http, runtime.now, policy=policy)
    assert backlog.event_ids() == [e.id for e in events(runtime)]
    assert [d.status for d in deliveries(runtime)] == ["delivered"] * 10


def test_a_replay_leaves_pending_deliveries_as_they_are(
    runtime: Runtime, receiver: tuple[Receiver, str], http: httpx.Client
) -> None:
    receiving, url = receiver
    clock = Clock()
    created = subscribe(runtime, url)
    first = register(runtime, "已送达")
    deliver_due(runtime.sessions, http, clock, policy=POLICY)
    receiving.mode = "fail"
    second = register(runtime, "重试中")
    deliver_due(runtime.sessions, http, clock, policy=POLICY)
    delivered, retrying = deliveries(runtime)
    assert (delivered.status, retrying.status, retrying.attempts) == ("delivered", "pending", 1)

    def replay_from(event_id: int) -> Replayed:
        return replay(
            runtime.sessions,
            created.subscription.id,
            key_id="platform-key",
            from_event=event_id,
            now=clock,
        )

    assert replay_from(1) == Replayed(queued=1, pending=1)
    requeued, kept = deliveries(runtime)
    assert (requeued.status, requeued.attempts, requeued.delivered_at) == ("pending", 0, None)
    # The retrying one keeps its attempts and its retry time.
    assert (kept.attempts, kept.next_attempt_at) == (1, retrying.next_attempt_at)
    with pytest.raises(ReplayPending):
        replay_from(1)
    # From beyond the last event there is nothing to replay, which is no refusal.
    assert replay_from(events(runtime)[-1].id + 1) == Replayed(queued=0, pending=0)

    # The receiver rests until the retry: the replayed one waits with it, then both go.
    receiving.mode = "ok"
    assert deliver_due(runtime.sessions, http, clock, policy=POLICY).delivered == 0
    clock.at = as_utc(retrying.next_attempt_at)
    assert deliver_due(runtime.sessions, http, clock, policy=POLICY).delivered == 2
    subjects = [r.document["subject"] for r in receiving.received]
    assert subjects == [first.leaf, first.leaf, second.leaf]


def test_subscriptions_receive_only_their_event_types(
    runtime: Runtime,
    receiver: tuple[Receiver, str],
    http: httpx.Client,
    anchor_client: RegistryAnchorClient,
) -> None:
    receiving, url = receiver
    subscribe(runtime, url, event_types=["anchored"])
    register(runtime, "过滤")
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    deliver_due(runtime.sessions, http, runtime.now, policy=POLICY)
    assert [r.document["type"] for r in receiving.received] == ["anchored"]


def test_a_registrants_subscription_hears_of_its_works_but_not_who_decided(
    runtime: Runtime, receiver: tuple[Receiver, str], http: httpx.Client
) -> None:
    receiving, url = receiver
    mine = create_api_key(runtime.sessions, name="出版社甲", scopes=["publisher"], now=runtime.now)
    theirs = create_api_key(
        runtime.sessions, name="出版社乙", scopes=["publisher"], now=runtime.now
    )
    with runtime.sessions() as session:
        party = session.scalar(select(ApiKey.party_id).where(ApiKey.key_id == mine.key_id))
    created = create_subscription(
        runtime.sessions,
        key_id=mine.key_id,
        url=url,
        event_types=None,
        algorithm="hmac-sha256",
        now=runtime.now,
        allow_private_targets=True,
        party=party,
    )
    assert created.subscription.party == party
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
    own = registrar.register(
        io.BytesIO(b"ours"), WorkMetadata(title="甲"), submitted_by=mine.key_id
    )
    other = registrar.register(
        io.BytesIO(b"theirs"), WorkMetadata(title="乙"), submitted_by=theirs.key_id
    )
    with unit_of_work(runtime.sessions) as session:
        for view in (own, other):
            record_event(
                session,
                EventType.FROZEN,
                view.leaf,
                {"number": view.number, "authority": "moderator", "actor": "moderator-key-id"},
            )
    deliver_due(runtime.sessions, http, runtime.now, policy=POLICY)
    assert [(r.document["type"], r.document["subject"]) for r in receiving.received] == [
        ("registered", own.leaf),
        ("frozen", own.leaf),
    ]
    assert receiving.received[1].document["data"] == {
        "number": own.number,
        "authority": "moderator",
    }
    # A replay from the first event reaches no further than the party's own works either.
    replay(
        runtime.sessions, created.subscription.id, key_id=mine.key_id, from_event=1, now=runtime.now
    )
    deliver_due(runtime.sessions, http, runtime.now, policy=POLICY)
    assert {r.document["subject"] for r in receiving.received} == {own.leaf}


def test_a_new_subscription_starts_with_the_next_event(
    runtime: Runtime, receiver: tuple[Receiver, str], http: httpx.Client
) -> None:
    receiving, url = receiver
    register(runtime, "之前")
    subscribe(runtime, url)
    after = register(runtime, "之后")
    deliver_due(runtime.sessions, http, runtime.now, policy=POLICY)
    assert [r.document["subject"] for r in receiving.received] == [after.leaf]


def test_the_worker_dispatcher_delivers_in_the_background(
    runtime: Runtime, receiver: tuple[Receiver, str]
) -> None:
    receiving, url = receiver
    subscribe(runtime, url)
    dispatcher = WebhookDispatcher(runtime.sessions, now=runtime.now, interval=0.05, policy=POLICY)
    dispatcher.start()
    try:
        view = register(runtime, "后台")
        deadline = time.monotonic() + 10
        while not receiving.received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        dispatcher.stop()
    assert [r.document["subject"] for r in receiving.received] == [view.leaf]


def test_banquan_webhooks_deliver_sends_what_is_due(
    runtime: Runtime, receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    receiving, url = receiver
    subscribe(runtime, url)
    register(runtime, "命令行")
    settings = runtime.settings
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", settings.chain_rpc_url)
    result = CliRunner().invoke(app, ["webhooks", "deliver", "--timeout", "2"])
    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output
    assert len(receiving.received) == 1


def test_the_delivery_policy_comes_from_the_settings(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(
        update={"webhook_timeout_seconds": 3.5, "webhook_max_attempts": 4}
    )
    policy = delivery_policy(replace(runtime, settings=settings))
    assert (policy.timeout, policy.max_attempts) == (3.5, 4)
    assert delivery_policy(runtime, 1.0).timeout == 1.0


# ------------------------------------------------------------------------ targets (SSRF guard)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://banquan-no-such-host.invalid/hook",
        # IPv6 forms a translator or tunnel delivers to a private IPv4 address
        "http://[64:ff9b::a00:1]/hook",  # NAT64 → 10.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 → 169.254.169.254
        "http://[64:ff9b:1::a00:1]/hook",  # local-use NAT64
        "http://[::ffff:0:7f00:1]/hook",  # SIIT → 127.0.0.1
        "http://[::7f00:1]/hook",  # IPv4-compatible → 127.0.0.1
        "http://[2002:7f00:1::]/hook",  # 6to4 → 127.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook",  # Teredo → 10.0.0.1
    ],
)
def test_a_target_on_a_non_public_address_is_refused(runtime: Runtime, url: str) -> None:
    with pytest.raises(WebhookTargetForbidden):
        create_subscription(
            runtime.sessions,
            key_id="platform-key",
            url=url,
            event_types=None,
            algorithm="hmac-sha256",
            now=runtime.now,
        )
    assert list_subscriptions(runtime.sessions, key_id=None) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.215.14/hook",
        "https://[2606:4700:4700::1111]/hook",
        "https://[64:ff9b::5db8:d70e]/hook",  # NAT64 → 93.184.215.14
    ],
)
def test_a_public_address_is_accepted(runtime: Runtime, url: str) -> None:
    created = create_subscription(
        runtime.sessions,
        key_id="platform-key",
        url=url,
        event_types=None,
        algorithm="hmac-sha256",
        now=runtime.now,
    )
    assert created.subscription.url == url
    assert created.warnings == ()


def test_a_private_target_allowed_in_dev_mode_comes_with_a_warning(runtime: Runtime) -> None:
    created = create_subscription(
        runtime.sessions,
        key_id="platform-key",
        url="http://127.0.0.1:9/hook",
        event_types=None,
        algorithm="hmac-sha256",
        now=runtime.now,
        allow_private_targets=True,
    )
    assert created.subscription.url == "http://127.0.0.1:9/hook"
    assert created.warnings == (PRIVATE_TARGET_WARNING,)
    assert "webhook_target_forbidden" in created.warnings[0]


def test_delivery_to_a_target_that_became_private_is_refused(runtime: Runtime) -> None:
    receiving = Receiver()
    with serve_asgi(receiving.app()) as base, httpx.Client(timeout=2) as http:
        subscribe(runtime, f"{base}/hook")
        register(runtime, "一")
        strict = DeliveryPolicy(timeout=0.5, max_attempts=5)
        report = deliver_due(runtime.sessions, http, runtime.now, policy=strict)
    assert (report.delivered, report.retrying) == (0, 1)
    assert "non-public address" in report.errors[0]
    assert receiving.received == []


def test_private_targets_follow_the_mode_unless_set() -> None:
    assert Settings(mode="dev").private_webhook_targets_allowed
    assert not Settings(
        mode="dev", webhook_allow_private_targets=False
    ).private_webhook_targets_allowed
