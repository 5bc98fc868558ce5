"""Chunks fanned out to consumer threads: every lane sees every chunk in order, errors come back
to the producer, and a slow consumer holds the producer back instead of memory growing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from registry.content.fanout import QUEUE_DEPTH, ChunkFanout, Consumer

CHUNKS = [bytes([n]) * (n + 1) for n in range(50)]


def lane_threads() -> list[threading.Thread]:
    """The fan-out's threads still alive (its lanes are named after the ingest)."""
    return [t for t in threading.enumerate() if t.name.startswith("ingest")]


def ignore(_chunk: bytes) -> None:
    pass


def feed_all(
    lanes: list[list[Consumer]], chunks: list[bytes], then: Callable[[], None] = lambda: None
) -> None:
    with ChunkFanout(lanes) as fanout:
        for chunk in chunks:
            fanout.feed(chunk)
        then()


def test_every_lane_sees_every_chunk_in_order() -> None:
    seen: list[list[bytes]] = [[], [], []]
    with ChunkFanout([[seen[0].append], [seen[1].append, seen[2].append]]) as fanout:
        for chunk in CHUNKS:
            fanout.feed(chunk)
    assert seen == [CHUNKS, CHUNKS, CHUNKS]


def test_a_consumer_error_is_raised_in_the_producer_and_ends_every_thread() -> None:

    def refuse(chunk: bytes) -> None:
        if len(chunk) == 10:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        feed_all([[refuse], [ignore]], CHUNKS)
    assert lane_threads() == []


def test_a_producer_error_stops_the_lanes_without_waiting_for_their_chunks() -> None:
    started = threading.Event()
    release = threading.Event()
    releaser = threading.Timer(0.2, release.set)
    done: list[bytes] = []

    def slow(chunk: bytes) -> None:
        started.set()
        release.wait(5)
        done.append(chunk)

    def unreadable() -> None:
        # The error comes while the slow consumer holds the first chunk (the others queued);
        # it goes on once the error has cancelled the lanes.
        assert started.wait(5)
        releaser.start()
        raise ValueError("unreadable")

    with pytest.raises(ValueError, match="unreadable"):
        feed_all([[slow]], CHUNKS[:QUEUE_DEPTH], then=unreadable)
    releaser.join()
    assert done == CHUNKS[:1]  # the chunk in hand when the error came; the queued ones dropped
    assert lane_threads() == []


def test_a_slow_consumer_holds_the_producer_back() -> None:
    release = threading.Event()
    fed = 0

    def produce() -> None:
        nonlocal fed
        with ChunkFanout([[lambda _chunk: release.wait(10)]]) as fanout:
            for chunk in CHUNKS:
                fanout.feed(chunk)
                fed += 1

    producer = threading.Thread(target=produce)
    producer.start()
    # One chunk in the consumer's hands and a full queue: then the producer waits.
    deadline = time.monotonic() + 5
    while fed < QUEUE_DEPTH + 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert fed == QUEUE_DEPTH + 1
    assert producer.is_alive()
    release.set()
    producer.join(10)
    assert fed == len(CHUNKS)


def test_no_thread_starts_until_a_chunk_is_fed() -> None:
    with ChunkFanout([[ignore]]) as fanout:
        assert lane_threads() == []
        fanout.feed(b"x")
        assert len(lane_threads()) == 1
    assert lane_threads() == []
