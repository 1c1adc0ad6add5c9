"""The upload size limit, enforced while the body streams in.

A request whose ``Content-Length`` is over the limit is answered 413 before any of its body
is read. A chunked request (the Node SDK sends transcriptions that way) is counted as it
arrives and stopped with 413 at the first byte over the limit, so an oversized upload is
never buffered whole.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from whisperd.errors import payload_too_large
from whisperd.http.errors import send_error


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_error(send, payload_too_large(self.max_body_bytes, int(declared)))
            return
        received = 0
        limit = self.max_body_bytes

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise payload_too_large(limit, received)
            return message

        await self.app(scope, limited_receive, send)
