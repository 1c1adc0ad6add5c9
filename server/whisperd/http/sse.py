"""Server-sent events framed as OpenAI frames them: each event one ``data: <json>`` line and
a blank line, lines ending in CRLF, and ``data: [DONE]`` after the done event."""

from __future__ import annotations

import contextlib
import typing as t
from collections.abc import AsyncIterable, AsyncIterator

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from whisperd.api.events import DONE_TYPE
from whisperd.api.formats import dumps
from whisperd.http.disconnect import until_disconnected

SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"
# OpenAI ends every line of its streams with CRLF (all its recorded streams do).
DONE_FRAME = b"data: [DONE]\r\n\r\n"


def frame(event: dict[str, t.Any]) -> bytes:
    return b"data: " + dumps(event) + b"\r\n\r\n"


async def frames(events: AsyncIterable[dict[str, t.Any]]) -> AsyncIterator[bytes]:
    async for event in events:
        yield frame(event)
        if event.get("type") == DONE_TYPE:
            yield DONE_FRAME


class EventStreamResponse(StreamingResponse):
    """A stream of events that stops, and stops its inference, when the client leaves."""

    def __init__(
        self,
        events: AsyncIterable[dict[str, t.Any]],
        *,
        on_close: t.Callable[[], None] | None = None,
    ) -> None:
        super().__init__(frames(events), media_type=SSE_MEDIA_TYPE)
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            with contextlib.suppress(OSError):  # the client left as the last bytes went out
                await until_disconnected(self.stream_response(send), receive)
        finally:
            if self._on_close is not None:
                self._on_close()  # even when the stream never started
