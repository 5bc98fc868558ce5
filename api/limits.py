"""Request body limits, enforced while the body arrives (before multipart parsing spools it)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware
from api.errors import error_body

# Room for the multipart framing and the metadata field around the file itself.
MULTIPART_OVERHEAD_BYTES = 1 << 20


class BodyTooLarge(Exception):
    pass


@dataclass(kw_only=True)
class BodySizeLimit(HttpMiddleware):
    """Refuses request bodies over ``max_bytes`` with 413 ``upload_too_large``.

    A declared ``Content-Length`` over the limit is refused before anything is read; a body that
    grows past the limit while streaming (chunked, or a lying header) is cut off as it arrives.
    """

    max_bytes: int

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The framework may turn the aborted read into its own 400: answer 413 instead.
            nonlocal started
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            error_body(
                "upload_too_large",
                f"request body exceeds {self.max_bytes} bytes",
                {"max_bytes": self.max_bytes},
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
