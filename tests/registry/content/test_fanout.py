"""Chunks fanned out to consumer threads: every lane sees every chunk in order, errors come back
to the producer, and a slow consumer holds the producer back instead of memory growing; what
fits one read is consumed in the producer's thread, with the same results."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from registry.content.fanout import INLINE_BYTES, QUEUE_DEPTH, ChunkFanout, Consumer

CHUNKS = [bytes([n]) * (n + 1) for n in range(50)]


def lane_threads() -> list[threading.Thread]:
    """The fan-out's threads still alive (its lanes are named after the ingest)."""
    return [t for t in threading.enumerate() if t.name.startswith("ingest")]


def ignore(_chunk: bytes) -> None:
    pass


def feed_all(
    lanes: list[list[Consumer]],
    chunks: list[bytes],
    then: Callable[[], None] = lambda: None,
    *,
    inline_bytes: int = 0,
) -> None:
    with ChunkFanout(lanes, inline_bytes=inline_bytes) as fanout:
        for chunk in chunks:
            fanout.feed(chunk)
        then()


@pytest.mark.parametrize("inline_bytes", [0, 100, INLINE_BYTES])
def test_every_lane_sees_every_chunk_in_order(inline_bytes: int) -> None:
    # Threads from the first chunk, from the chunk past 100 bytes, or none (all fit).
    seen: list[list[bytes]] = [[], [], []]
    lanes: list[list[Consumer]] = [[seen[0].append], [seen[1].append, seen[2].append]]
    with ChunkFanout(lanes, inline_bytes=inline_bytes) as fanout:
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
        with ChunkFanout([[lambda _chunk: release.wait(10)]], inline_bytes=0) as fanout:
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


def test_no_thread_starts_until_more_than_inline_bytes_are_fed() -> None:
    with ChunkFanout([[ignore]], inline_bytes=1) as fanout:
        fanout.feed(b"x")
        assert lane_threads() == []
        fanout.feed(b"y")
        assert len(lane_threads()) == 1
    assert lane_threads() == []


def test_what_fits_is_consumed_in_the_producers_thread_on_leaving() -> None:
    consumed_in: list[str] = []
    seen: list[bytes] = []

    def consume(chunk: bytes) -> None:
        consumed_in.append(threading.current_thread().name)
        seen.append(chunk)

    with ChunkFanout([[consume]]) as fanout:
        fanout.feed(b"a" * (INLINE_BYTES - 1))
        fanout.feed(b"b")
        assert seen == []  # held until the end
        assert lane_threads() == []
    assert seen == [b"a" * (INLINE_BYTES - 1), b"b"]
    assert set(consumed_in) == {threading.current_thread().name}


def test_an_inline_consumer_error_is_raised_on_leaving() -> None:
    def refuse(_chunk: bytes) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), ChunkFanout([[refuse]]) as fanout:
        fanout.feed(b"x")


def test_a_producer_error_drops_the_held_chunks() -> None:
    seen: list[bytes] = []

    def unreadable() -> None:
        raise ValueError("unreadable")

    with pytest.raises(ValueError, match="unreadable"):
        feed_all([[seen.append]], [b"x"], then=unreadable, inline_bytes=INLINE_BYTES)
    assert seen == []
