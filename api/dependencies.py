"""Request-scoped access to the runtime built by the app factory."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from registry.platform import Runtime


async def get_runtime(request: Request) -> Runtime:
    # async: reading app state never blocks, and a sync dependency costs a thread-pool hop per
    # request (bench/verify_api.py).
    runtime: Runtime = request.app.state.runtime
    return runtime


# The runtime as a route parameter: ``runtime: RuntimeDep``.
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
