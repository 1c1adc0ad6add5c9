"""Server-sent events for ``stream=true``, framed as OpenAI frames them.

Each event is one ``data: <json>`` line and a blank line, lines ending in CRLF; the stream ends with
``data: [DONE]``. Text goes out as ``transcript.text.delta`` events, a token at a time as
OpenAI sends them, as soon as the segment holding it is decoded; concatenated, the
deltas equal the ``text`` of the closing ``transcript.text.done`` event, which equals the
non-streamed transcript. An error after the stream has begun is a data object with an
``error`` key, which the official SDKs raise as ``APIError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import typing as t
from dataclasses import dataclass, field

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from whisperd.engine.logprobs import TokenLogprob
from whisperd.engine.transcribe import Segment, Transcript
from whisperd.errors import ApiError
from whisperd.formats import dumps, logprobs_body, usage_tokens

SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"
# OpenAI ends every line of its streams with CRLF (all its recorded streams do).
DONE_FRAME = b"data: [DONE]\r\n\r\n"
_WORD = re.compile(r"\s*\S+|\s+")


def frame(event: dict[str, t.Any]) -> bytes:
    return b"data: " + dumps(event) + b"\r\n\r\n"


def error_frame(error: ApiError) -> bytes:
    return frame(error.body())


@dataclass
class DeltaStream:
    """Cuts segments into deltas whose concatenation is the stripped transcript.

    Leading whitespace of the transcript is dropped, and trailing whitespace is held back
    until more text follows it, so no delta ever holds text the final ``text`` lacks.
    """

    include_logprobs: bool = False
    _started: bool = False
    _held_text: str = ""
    _held_logprobs: list[TokenLogprob] = field(default_factory=list)

    def events(self, segment: Segment) -> list[dict[str, t.Any]]:
        return [
            event
            for piece, logprobs in _pieces(segment, self.include_logprobs)
            if (event := self._delta(piece, logprobs)) is not None
        ]

    def _delta(self, piece: str, logprobs: list[TokenLogprob]) -> dict[str, t.Any] | None:
        if not self._started:
            piece = piece.lstrip()
        text = self._held_text + piece
        visible = text.rstrip()
        self._held_logprobs.extend(logprobs)
        if not visible:
            self._held_text = text if self._started else ""
            return None
        self._started = True
        self._held_text = text[len(visible) :]
        event: dict[str, t.Any] = {"type": "transcript.text.delta", "delta": visible}
        if self.include_logprobs:
            event["logprobs"] = logprobs_body(self._held_logprobs)
        self._held_logprobs = []
        return event


def _pieces(segment: Segment, include_logprobs: bool) -> list[tuple[str, list[TokenLogprob]]]:
    """The segment's text in delta-sized pieces: a token at a time (whole characters: the
    bytes of a character split across tokens wait for the rest), with each token's logprob
    when asked. Falls back to the whole segment (with logprobs) or to words when the token
    bytes do not rebuild the text."""
    if include_logprobs and segment.logprobs:
        units = [(bytes(item.bytes), [item]) for item in segment.logprobs]
    else:
        units = [(piece, []) for piece in segment.token_bytes]
    pieces: list[tuple[str, list[TokenLogprob]]] = []
    pending_bytes = b""
    pending_logprobs: list[TokenLogprob] = []
    for raw, logprobs in units:
        pending_bytes += raw
        pending_logprobs += logprobs
        try:
            text = pending_bytes.decode("utf-8")
        except UnicodeDecodeError:
            continue
        pieces.append((text, pending_logprobs))
        pending_bytes, pending_logprobs = b"", []
    if units and not pending_bytes and "".join(text for text, _ in pieces) == segment.text:
        return pieces
    if include_logprobs:
        return [(segment.text, list(segment.logprobs))]
    return [(match.group(0), []) for match in _WORD.finditer(segment.text)]


def done_event(transcript: Transcript, *, include_logprobs: bool) -> dict[str, t.Any]:
    event: dict[str, t.Any] = {"type": "transcript.text.done", "text": transcript.text}
    if include_logprobs:
        event["logprobs"] = logprobs_body(transcript.logprobs)
    event["usage"] = usage_tokens(transcript)
    return event


class EventStreamResponse(StreamingResponse):
    """A streaming response that stops its stream the moment the client disconnects.

    Starlette only notices a disconnect on the next write when the server speaks ASGI 2.4,
    and a transcription may write nothing for seconds (queued, or decoding a window). This
    listens for ``http.disconnect`` the whole time and cancels the stream, which cancels the
    inference behind it.
    """

    def __init__(
        self,
        content: t.AsyncIterable[bytes],
        *,
        media_type: str,
        on_close: t.Callable[[], None] | None = None,
    ) -> None:
        super().__init__(content, media_type=media_type)
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._serve(receive, send)
        finally:
            if self._on_close is not None:
                self._on_close()  # even when the stream never started

    async def _serve(self, receive: Receive, send: Send) -> None:
        streaming = asyncio.ensure_future(self.stream_response(send))
        listening = asyncio.ensure_future(self.listen_for_disconnect(receive))
        try:
            await asyncio.wait({streaming, listening}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (streaming, listening):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, OSError):
                        await task
        if streaming.done() and not streaming.cancelled():
            with contextlib.suppress(OSError):  # the client left as the last bytes went out
                streaming.result()
