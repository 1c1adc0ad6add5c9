"""The events of ``stream=true``, as OpenAI sends them (framed by :mod:`whisperd.http.sse`).

Text goes out as ``transcript.text.delta`` events, a token at a time as OpenAI sends them,
as soon as the segment holding it is decoded; concatenated, the deltas equal the ``text`` of
the closing ``transcript.text.done`` event, which equals the non-streamed transcript. An
error after the stream has begun is an object with an ``error`` key, which the official SDKs
raise as ``APIError``.
"""

from __future__ import annotations

import logging
import re
import typing as t
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from whisperd.api.formats import logprobs_body, usage_tokens
from whisperd.api.plan import StreamOptions
from whisperd.engine.logprobs import TokenLogprob
from whisperd.engine.transcribe import Cancelled, Segment, Transcript, TranscriptInfo
from whisperd.errors import ApiError, server_error

logger = logging.getLogger("whisperd.stream")
DONE_TYPE = "transcript.text.done"
_WORD = re.compile(r"\s*\S+|\s+")


async def transcript_events(
    items: AsyncIterator[TranscriptInfo | Segment], options: StreamOptions
) -> AsyncIterator[dict[str, t.Any]]:
    """Deltas as segments arrive, then the done event; a failure ends the events with an
    error object."""
    deltas = DeltaStream(include_logprobs=options.logprobs)
    info: TranscriptInfo | None = None
    segments: list[Segment] = []
    try:
        async for item in items:
            if isinstance(item, TranscriptInfo):
                info = item
                continue
            segments.append(item)
            for event in deltas.events(item):
                yield event
        assert info is not None, "a transcription reports its info before its segments"
        transcript = Transcript(info=info, segments=segments)
        yield done_event(transcript, include_logprobs=options.logprobs)
    except Cancelled:  # the server is shutting down
        return
    except ApiError as exc:
        yield exc.body()
    except Exception:
        logger.exception("transcription failed while streaming")
        yield server_error("The transcription failed inside the server.").body()


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
    event: dict[str, t.Any] = {"type": DONE_TYPE, "text": transcript.text}
    if include_logprobs:
        event["logprobs"] = logprobs_body(transcript.logprobs)
    event["usage"] = usage_tokens(transcript)
    return event
