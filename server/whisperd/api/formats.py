"""The bytes of every response format, matched to OpenAI's recorded responses.

- ``json``: ``{"text":...,"usage":{"type":"duration","seconds":N}}``, compact, with the
  seconds rounded up (in tokens when the request names a gpt-4o model, as OpenAI's);
  translations carry no ``usage``.
- ``verbose_json``: keys in OpenAI's order (task, language, duration, text, segments, words,
  usage). OpenAI computes in float32, so every float is a float32 value written as the
  shortest double that round-trips (``1.7000000476837158``); we do the same.
- ``text``: the text and one newline.
- ``srt``: cues ``N\\nHH:MM:SS,mmm --> HH:MM:SS,mmm\\ntext\\n\\n``, then one more newline.
- ``vtt``: ``WEBVTT\\n\\n`` then cues ``HH:MM:SS.mmm --> HH:MM:SS.mmm\\ntext\\n\\n``.
Times are rounded to the nearest millisecond.
"""

from __future__ import annotations

import json
import math
import typing as t

import numpy as np

from whisperd.api.plan import RenderOptions, ResponseFormat
from whisperd.engine.languages import language_name
from whisperd.engine.logprobs import TokenLogprob
from whisperd.engine.transcribe import Segment, Transcript

JSON_MEDIA_TYPE = "application/json"
# OpenAI bills 10 audio tokens a second of audio (1.70 s: 17, 6.46 s: 64 in its recordings).
AUDIO_TOKENS_PER_SECOND = 10
TEXT_MEDIA_TYPE = "text/plain; charset=utf-8"


def f32(value: float) -> float:
    """``value`` rounded to float32, as OpenAI reports its floats."""
    return float(np.float32(value))


def dumps(body: t.Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def usage(duration: float) -> dict[str, t.Any]:
    return {"type": "duration", "seconds": math.ceil(f32(duration))}


def usage_tokens(transcript: Transcript) -> dict[str, t.Any]:
    """Token usage counted and ordered as OpenAI reports it for its gpt-4o models."""
    audio_tokens = math.floor(transcript.info.duration * AUDIO_TOKENS_PER_SECOND)
    text_tokens = transcript.info.prompt_tokens
    output_tokens = transcript.output_tokens
    return {
        "type": "tokens",
        "total_tokens": audio_tokens + text_tokens + output_tokens,
        "input_tokens": audio_tokens + text_tokens,
        "input_token_details": {"text_tokens": text_tokens, "audio_tokens": audio_tokens},
        "output_tokens": output_tokens,
    }


def logprobs_body(logprobs: t.Iterable[TokenLogprob]) -> list[dict[str, t.Any]]:
    return [
        {"token": item.token, "logprob": item.logprob, "bytes": list(item.bytes)}
        for item in logprobs
    ]


def json_body(
    transcript: Transcript, *, include_logprobs: bool, token_usage: bool = False
) -> dict[str, t.Any]:
    body: dict[str, t.Any] = {"text": transcript.text}
    if include_logprobs:
        body["logprobs"] = logprobs_body(transcript.logprobs)
    if transcript.info.task == "transcribe":
        body["usage"] = usage_tokens(transcript) if token_usage else usage(transcript.info.duration)
    return body


def segment_body(segment: Segment) -> dict[str, t.Any]:
    return {
        "id": segment.id,
        "seek": segment.seek,
        "start": f32(segment.start),
        "end": f32(segment.end),
        "text": segment.text,
        "tokens": list(segment.tokens),
        "temperature": f32(segment.temperature),
        "avg_logprob": f32(segment.avg_logprob),
        "compression_ratio": f32(segment.compression_ratio),
        "no_speech_prob": f32(segment.no_speech_prob),
    }


def verbose_json_body(
    transcript: Transcript, *, segments: bool = True, words: bool = False
) -> dict[str, t.Any]:
    info = transcript.info
    translating = info.task == "translate"
    body: dict[str, t.Any] = {
        "task": info.task,
        "language": "english" if translating else language_name(info.language),
        "duration": f32(info.duration),
        "text": transcript.text,
    }
    if segments or translating:
        body["segments"] = [segment_body(segment) for segment in transcript.segments]
    if words and not translating:
        body["words"] = [
            {"word": word.word, "start": f32(word.start), "end": f32(word.end)}
            for word in transcript.words
        ]
    if not translating:
        body["usage"] = usage(info.duration)
    return body


def text_body(transcript: Transcript) -> str:
    return transcript.text + "\n"


def srt_timestamp(seconds: float) -> str:
    return _timestamp(seconds, ",")


def vtt_timestamp(seconds: float) -> str:
    return _timestamp(seconds, ".")


def _timestamp(seconds: float, decimal_marker: str) -> str:
    milliseconds = max(0, math.floor(seconds * 1000 + 0.5))  # half up
    hours, milliseconds = divmod(milliseconds, 3_600_000)
    minutes, milliseconds = divmod(milliseconds, 60_000)
    secs, milliseconds = divmod(milliseconds, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal_marker}{milliseconds:03d}"


def cue_text(text: str) -> str:
    """A segment's text as one cue line: no line breaks (a blank line would end the cue)
    and no ``-->`` (it would read as a timing line)."""
    return " ".join(text.split()).replace("-->", "->")


def srt_body(segments: t.Sequence[Segment]) -> str:
    cues = [
        f"{index}\n{srt_timestamp(segment.start)} --> {srt_timestamp(segment.end)}\n"
        f"{cue_text(segment.text)}\n\n"
        for index, segment in enumerate(segments, start=1)
    ]
    return "".join(cues) + "\n"


def vtt_escape(text: str) -> str:
    """WebVTT cue text: ``&``, ``<`` and ``>`` must be character references."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt_body(segments: t.Sequence[Segment]) -> str:
    cues = [
        f"{vtt_timestamp(segment.start)} --> {vtt_timestamp(segment.end)}\n"
        f"{vtt_escape(cue_text(segment.text))}\n\n"
        for segment in segments
    ]
    return "WEBVTT\n\n" + "".join(cues)


def _json(transcript: Transcript, options: RenderOptions) -> bytes:
    return dumps(
        json_body(transcript, include_logprobs=options.logprobs, token_usage=options.token_usage)
    )


def _verbose_json(transcript: Transcript, options: RenderOptions) -> bytes:
    return dumps(verbose_json_body(transcript, segments=options.segments, words=options.words))


def _text(transcript: Transcript, _options: RenderOptions) -> bytes:
    return text_body(transcript).encode("utf-8")


def _srt(transcript: Transcript, _options: RenderOptions) -> bytes:
    return srt_body(transcript.segments).encode("utf-8")


def _vtt(transcript: Transcript, _options: RenderOptions) -> bytes:
    return vtt_body(transcript.segments).encode("utf-8")


# diarized_json needs the speakers too: whisperd.api.diarized renders it.
_RENDERERS: dict[ResponseFormat, tuple[t.Callable[[Transcript, RenderOptions], bytes], str]] = {
    "json": (_json, JSON_MEDIA_TYPE),
    "verbose_json": (_verbose_json, JSON_MEDIA_TYPE),
    "text": (_text, TEXT_MEDIA_TYPE),
    "srt": (_srt, TEXT_MEDIA_TYPE),
    "vtt": (_vtt, TEXT_MEDIA_TYPE),
}


def render(transcript: Transcript, options: RenderOptions) -> tuple[bytes, str]:
    """The body and media type of ``transcript`` written as ``options`` say."""
    renderer, media_type = _RENDERERS[options.format]
    return renderer(transcript, options), media_type
