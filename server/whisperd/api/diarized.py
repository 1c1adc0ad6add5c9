"""``response_format=diarized_json``: OpenAI's ``CreateTranscriptionResponseDiarizedJson`` and,
with ``stream=true``, its ``transcript.text.segment`` events, as its recordings show them.

- The body: ``text``, ``task``, ``duration``, ``segments``, ``usage``, in that order (OpenAI's
  shape since August 2026; earlier recordings lack ``task`` and ``duration``, which the SDKs
  now require). Each segment: ``type``, ``text``, ``speaker``, ``start``, ``end``, ``id``
  (``seg_0``, ``seg_1``...). Times are plain doubles, not float32 values.
- The stream: one ``transcript.text.segment`` event per segment (the same object as in the
  body), then ``transcript.text.done`` with the text and usage. Diarization needs the whole
  audio, so the segment events all follow the end of the work: none arrives earlier.
"""

from __future__ import annotations

import logging
import typing as t
from collections.abc import AsyncIterator, Awaitable

from whisperd.api.formats import JSON_MEDIA_TYPE, dumps, usage, usage_tokens
from whisperd.api.plan import RenderOptions
from whisperd.diarize.assign import SpeakerSegment
from whisperd.diarize.transcript import DiarizedTranscript
from whisperd.engine.transcribe import Cancelled
from whisperd.errors import ApiError, server_error

logger = logging.getLogger("whisperd.stream")
SEGMENT_TYPE = "transcript.text.segment"
DONE_TYPE = "transcript.text.done"


def _time(seconds: float) -> float:
    return round(float(seconds), 3)


def segment_body(segment: SpeakerSegment, index: int) -> dict[str, t.Any]:
    return {
        "type": SEGMENT_TYPE,
        "text": segment.text,
        "speaker": segment.speaker,
        "start": _time(segment.start),
        "end": _time(segment.end),
        "id": f"seg_{index}",
    }


def _usage(result: DiarizedTranscript, token_usage: bool) -> dict[str, t.Any]:
    # Tokens count the text the model wrote; speaker labels add none.
    transcript = result.transcript
    return usage_tokens(transcript) if token_usage else usage(transcript.info.duration)


def diarized_json_body(result: DiarizedTranscript, *, token_usage: bool) -> dict[str, t.Any]:
    return {
        "text": result.text,
        "task": "transcribe",
        "duration": _time(result.transcript.info.duration),
        "segments": [segment_body(seg, i) for i, seg in enumerate(result.segments)],
        "usage": _usage(result, token_usage),
    }


def render(result: DiarizedTranscript, options: RenderOptions) -> tuple[bytes, str]:
    """The ``diarized_json`` body and its media type."""
    return dumps(diarized_json_body(result, token_usage=options.token_usage)), JSON_MEDIA_TYPE


async def segment_events(result: Awaitable[DiarizedTranscript]) -> AsyncIterator[dict[str, t.Any]]:
    """Every segment event, then the done event, once the diarized transcript is ready; a
    failure ends the events with an error object."""
    try:
        diarized = await result
    except Cancelled:  # the server is shutting down
        return
    except ApiError as exc:
        yield exc.body()
        return
    except Exception:
        logger.exception("diarization failed while streaming")
        yield server_error("The transcription failed inside the server.").body()
        return
    for index, segment in enumerate(diarized.segments):
        yield segment_body(segment, index)
    yield {"type": DONE_TYPE, "text": diarized.text, "usage": _usage(diarized, True)}
