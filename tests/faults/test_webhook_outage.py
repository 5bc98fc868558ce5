"""Round 6: the webhook receiver is down while works are registered and anchored. Once it is
back, every event arrives (at least once: counted by event id), in event order per work."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from cli.launcher import AnvilProcess
from registry.core.models import Event
from tests.conftest import free_port
from tests.faults.conftest import STRENGTH, RoundResult, Strength
from tests.faults.harness import all_confirmed, attempt, banquan_instance, make_jobs, wait_until


class Receiver:
    """A real HTTP receiver on a fixed loopback port that can be stopped and started again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[tuple[int, str, str]] = []  # event id, type, subject
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.received.append((int(body["id"]), body["type"], body["subject"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def ids(self) -> set[int]:
        with self.lock:
            return {event_id for event_id, _, _ in self.received}


@pytest.mark.slow
@pytest.mark.timeout(STRENGTH.timeout)
def test_events_sent_while_the_receiver_is_down_all_arrive_in_order_afterwards(
    tmp_path: Path, anvil: AnvilProcess, strength: Strength, record_round: list[RoundResult]
) -> None:
    receiver = Receiver(free_port())
    receiver.start()
    database_url = f"sqlite:///{tmp_path / 'banquan.db'}"
    jobs = make_jobs(strength.webhook_works, "webhook")
    try:
        with (
            banquan_instance(tmp_path, database_url, anvil.rpc_url) as instance,
            httpx.Client(timeout=60) as client,
        ):
            subscribed = client.post(
                f"{instance.url}/v1/webhooks",
                json={"url": f"http://127.0.0.1:{receiver.port}/hook"},
                headers=instance.auth,
            )
            assert subscribed.status_code == 201, subscribed.text
            receiver.stop()
            stopped = time.monotonic()
            for job in jobs:
                assert attempt(client, instance.url, instance.auth, job) == 201
            wait_until(lambda: all_confirmed(instance), 120, "every work confirmed")
            time.sleep(max(0.0, strength.webhook_outage_seconds - (time.monotonic() - stopped)))
            receiver.start()
            restarted = time.monotonic()
            with instance.runtime.sessions() as session:
                events = list(session.execute(select(Event.id, Event.subject).order_by(Event.id)))
            expected = {event_id for event_id, _ in events}
            assert len(expected) >= 3 * len(jobs)  # registered, anchored, confirmed
            recovery = wait_until(lambda: expected <= receiver.ids(), 240, "every event delivered")
            time.sleep(2)  # anything sent twice would show up now
    finally:
        receiver.stop()

    counts: dict[int, int] = {}
    for event_id, _, _ in receiver.received:
        counts[event_id] = counts.get(event_id, 0) + 1
    duplicated = sum(count - 1 for count in counts.values())
    out_of_order = 0
    for subject in {subject for _, subject in events}:
        firsts: list[int] = []
        for event_id, _, received_subject in receiver.received:
            if received_subject == subject and event_id not in firsts:
                firsts.append(event_id)
        out_of_order += firsts != sorted(firsts)
    record_round.append(
        RoundResult(
            test="test_webhook_outage.py::"
            "test_events_sent_while_the_receiver_is_down_all_arrive_in_order_afterwards",
            fault=f"webhook receiver down {restarted - stopped:.0f} s (connection refused)",
            load=f"{len(jobs)} works registered and anchored meanwhile: {len(expected)} events",
            acknowledged=len(expected),
            lost=len(expected - receiver.ids()),
            duplicated=duplicated,
            recovery_seconds=round(recovery, 1),
            notes=f"events delivered again per work in order: {out_of_order == 0}; "
            f"deliveries {len(receiver.received)} for {len(counts)} event ids; recovery = from "
            "the receiver's restart until every event arrived (retry backoff)",
        )
    )
    assert expected <= receiver.ids()
    assert out_of_order == 0
    assert restarted >= stopped
