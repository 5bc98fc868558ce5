"""A real banquan server (uvicorn in a thread) on a real database and chain."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from api.app import create_app
from registry.runtime import Runtime
from tests.conftest import free_port


@contextmanager
def serving(runtime: Runtime) -> Iterator[str]:
    """Serve the API over HTTP on a free loopback port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(runtime=runtime, run_batcher=True),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)
