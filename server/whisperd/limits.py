"""The upload size limit, enforced while the body streams in.

A request whose ``Content-Length`` is over the limit is answered 413 before any of its body
is read. A chunked request (the Node SDK sends transcriptions that way) is counted as it
arrives and stopped with 413 at the first byte over the limit, so an oversized upload is
never buffered whole.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from whisperd.errors import SERVER_ERROR, ApiError, error_json


def payload_too_large(limit: int, received: int | None) -> ApiError:
    # OpenAI's wording and type for the same condition (reported-errors.json).
    read = f" ({received} bytes read)" if received is not None else ""
    return ApiError(
        413,
        f"Maximum content size limit ({limit}) exceeded{read}",
        type=SERVER_ERROR,
        code="payload_too_large",
    )


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


async def send_error(send: Send, error: ApiError) -> None:
    """Answer from a middleware, before the app (and its body reading) is reached."""
    body = error_json(error)
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    headers += [(name.lower().encode(), value.encode()) for name, value in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
