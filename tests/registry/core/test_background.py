"""A background loop keeps running after a failed pass, and stops when told."""

from __future__ import annotations

import logging
import threading

import pytest

from registry.core.background import BackgroundLoop


class Counting(BackgroundLoop):
    def __init__(self) -> None:
        super().__init__(
            interval=0.01, thread_name="test-loop", log=logging.getLogger("test.loop"), what="pass"
        )
        self.passes = 0
        self.third = threading.Event()

    def run_once(self) -> int:
        self.passes += 1
        if self.passes == 3:
            self.third.set()
        if self.passes == 1:
            raise RuntimeError("the first pass fails")
        return self.passes


def test_a_failed_pass_is_logged_and_the_loop_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    loop = Counting()
    loop.start()
    assert loop.third.wait(5)
    loop.stop()
    assert loop._thread is not None
    assert not loop._thread.is_alive()
    failures = [r for r in caplog.records if r.name == "test.loop"]
    assert [r.getMessage() for r in failures] == ["pass failed"]
    assert failures[0].exc_info is not None


def test_a_loop_asked_to_stop_runs_no_further_pass() -> None:
    loop = Counting()
    loop.request_stop()
    loop.run_forever()
    assert loop.passes == 0
