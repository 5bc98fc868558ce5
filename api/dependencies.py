"""Request-scoped access to the runtime built by the app factory."""

from __future__ import annotations

from fastapi import Request

from registry.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
