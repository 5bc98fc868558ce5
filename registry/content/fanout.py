"""The same chunks fed to several consumers, each in a thread of its own: one pass on every core.

The ingest's stages (SHA-256, SM3, the UnixFS blocks and their writes, the ISCC hashers, the
cipher) are independent of one another and spend their time in C code that releases the GIL on
large buffers (OpenSSL, iscc-lib, file writes), so threads fed the same chunks overlap them.
Each consumer has a bounded queue: a fast reader waits for the slowest consumer instead of
buffering the file, so memory stays flat whatever its size. The chunks are immutable ``bytes``
shared by every consumer, never copied. A content that fits one read (most uploads) is consumed
in the producer's thread: starting the threads would cost more than they save.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

Consumer = Callable[[bytes], object]  # what it returns is ignored

# Chunks waiting per consumer: enough to ride out a consumer's pause (a GIL switch, an fsync),
# few enough that memory stays a few MiB whatever the file's size.
QUEUE_DEPTH = 8

# Bytes held back before any thread starts: one read of the ingest (registry.content.unixfs).
INLINE_BYTES = 256 * 1024

_END = object()


class _Lane:
    """One consumer's thread and queue; the first error it meets is kept for the producer."""

    def __init__(self, consumers: Sequence[Consumer], name: str, cancelled: threading.Event):
        self._consumers = tuple(consumers)
        self._cancelled = cancelled
        self._queue: queue.Queue[object] = queue.Queue(QUEUE_DEPTH)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not _END:
            # After an error or a cancellation the queue is still drained, so no producer waits.
            if self.error is not None or self._cancelled.is_set():
                continue
            try:
                for consume in self._consumers:
                    consume(chunk)  # type: ignore[arg-type]
            except BaseException as exc:  # re-raised in the producer's thread
                self.error = exc
                self._cancelled.set()

    def put(self, chunk: bytes) -> None:
        self._queue.put(chunk)

    def close(self) -> None:
        self._queue.put(_END)
        self._thread.join()


class ChunkFanout:
    """Feeds each chunk to every lane (a list of consumers called in order, in one thread).

    Use as a context manager around the producing loop: leaving it normally waits for every
    lane to finish its chunks and re-raises the first error a lane met; leaving it by an
    exception cancels what is still queued. Either way every thread has ended on exit, so the
    consumers' state (a block writer, say) is the caller's alone again.

    Chunks are held back until more than ``inline_bytes`` were fed; then the threads start with
    them. When everything fed fits, no thread starts: on leaving, each lane's consumers take the
    chunks in the producer's thread (lane after lane), and their first error is raised.
    """

    def __init__(
        self,
        lanes: Sequence[Sequence[Consumer]],
        *,
        name: str = "ingest",
        inline_bytes: int = INLINE_BYTES,
    ) -> None:
        self._consumers = lanes
        self._name = name
        self._cancelled = threading.Event()
        self._lanes: list[_Lane] = []  # the threads start past inline_bytes
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._inline_bytes = inline_bytes

    def feed(self, chunk: bytes) -> None:
        """Queue ``chunk`` for every lane (waiting while a queue is full)."""
        if self._cancelled.is_set():
            self._raise_lane_error()
        if not self._lanes:
            self._held.append(chunk)
            self._held_bytes += len(chunk)
            if self._held_bytes <= self._inline_bytes:
                return
            self._lanes = [
                _Lane(consumers, f"{self._name}-{number}", self._cancelled)
                for number, consumers in enumerate(self._consumers)
            ]
            held, self._held = self._held, []
            for lane in self._lanes:
                for kept in held:
                    lane.put(kept)
            return
        for lane in self._lanes:
            lane.put(chunk)

    def __enter__(self) -> ChunkFanout:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        held, self._held = self._held, []
        if exc is not None:
            self._cancelled.set()
        for lane in self._lanes:
            lane.close()
        if exc is None:
            self._raise_lane_error()
            for consumers in self._consumers:
                for chunk in held:
                    for consume in consumers:
                        consume(chunk)

    def _raise_lane_error(self) -> None:
        for lane in self._lanes:
            if lane.error is not None:
                raise lane.error
