"""A pass run again and again until stopped: the anchoring loop, the external anchorers and the
webhook dispatcher are each one of these."""

from __future__ import annotations

import logging
import threading


class BackgroundLoop:
    """Runs :meth:`run_once` every ``interval`` seconds until stopped: in a thread of its own
    (``start`` / ``stop``) or in the foreground (``run_forever``). A pass that raises is logged
    (``log``, as "``what`` failed") and tried again after the interval."""

    def __init__(
        self,
        *,
        interval: float,
        thread_name: str,
        log: logging.Logger,
        what: str,
        stop_timeout: float = 30.0,
    ) -> None:
        self._interval = interval
        self._stop_timeout = stop_timeout
        self._thread_name = thread_name
        self._log = log
        self._what = what
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> object:
        raise NotImplementedError

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep going; the error is logged and the pass retried
                self._log.exception("%s failed", self._what)
            self._stop.wait(self._interval)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.run_forever, name=self._thread_name, daemon=True
        )
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the loop to end after the current pass (safe from a signal handler)."""
        self._stop.set()

    def stop(self, timeout: float | None = None) -> None:
        """End the loop and wait for its thread (``stop_timeout`` seconds unless told)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self._stop_timeout if timeout is None else timeout)
