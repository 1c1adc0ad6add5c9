"""The upload limits, enforced while the body streams in.

A request whose ``Content-Length`` is over the size limit is answered 413 before any of its
body is read. A chunked request (the Node SDK sends transcriptions that way) is counted as
it arrives and stopped with 413 at the first byte over the limit, so an oversized upload is
never buffered whole. An upload that stops sending (no bytes for ``stall_timeout`` seconds
before its end) is answered 408 and dropped, so stalled clients cannot hold connections.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from whisperd.errors import payload_too_large, upload_stalled
from whisperd.http.errors import send_error


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int, stall_timeout: float = 0.0) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.stall_timeout = stall_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_error(send, payload_too_large(self.max_body_bytes, int(declared)))
            return
        received = 0
        body_done = False
        limit, stall = self.max_body_bytes, self.stall_timeout

        async def limited_receive() -> Message:
            nonlocal received, body_done
            if body_done or stall <= 0:
                message = await receive()  # after the body: only a disconnect can come
            else:
                try:
                    message = await asyncio.wait_for(receive(), stall)
                except asyncio.TimeoutError:
                    raise upload_stalled(stall) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > limit:
                    raise payload_too_large(limit, received)
            return message

        await self.app(scope, limited_receive, send)
