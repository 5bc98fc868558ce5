"""A real banquan server (uvicorn in a thread) on a real database and chain."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from api.app import create_app
from registry.platform.runtime import Runtime
from tests.conftest import bearer, serve_asgi


@contextmanager
def serving(runtime: Runtime) -> Iterator[tuple[str, dict[str, str]]]:
    """Serve the API, with its anchoring thread, over HTTP; yields its base URL and the
    Authorization header of a publisher key."""
    with serve_asgi(create_app(runtime=runtime, run_batcher=True)) as url:
        yield url, bearer(runtime, "publisher")


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)
