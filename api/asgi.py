"""Plain ASGI middleware: no per-request task and stream as with ``@app.middleware`` (its cost
shows in bench/verify_api.py)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass
class HttpMiddleware(ABC):
    """Handles the HTTP requests it ``concerns``; anything else (lifespan, other requests) goes
    straight on to ``app``. Subclasses are dataclasses: their settings are their fields."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.concerns(scope):
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def concerns(self, scope: Scope) -> bool:
        return True

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None: ...
