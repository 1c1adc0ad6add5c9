"""Replaying recorded requests against our server, once each, and reading the answers.

Several checks look at the same answer (status, shape, transcript), so each request is sent
once per session and its answer kept.
"""

from __future__ import annotations

import json
import typing as t

from conformance.support import multipart, recorded, sse
from conformance.support.rawhttp import RawResponse
from conformance.support.shapes import srt_cues, vtt_cues

_ANSWERS: dict[tuple[str, str], RawResponse] = {}


def answer(base_url: str, fixture: recorded.Fixture, variant: str = "recorded") -> RawResponse:
    """Our answer to the fixture's request (``recorded``), or to it without diarization
    (``undiarized``: the same bytes minus the ``response_format=diarized_json`` part)."""
    key = (fixture.name, variant)
    if key not in _ANSWERS:
        body = recorded.recorded_request(fixture)
        if variant == "undiarized":
            body = multipart.without_part(body, "response_format")
        _ANSWERS[key] = body.send(base_url, fixture.path)
    return _ANSWERS[key]


def send_once(base_url: str, key: str, path: str, body: multipart.Body) -> RawResponse:
    if (key, "variant") not in _ANSWERS:
        _ANSWERS[(key, "variant")] = body.send(base_url, path)
    return _ANSWERS[(key, "variant")]


def transcript(body: bytes, media_type: str, response_format: str) -> str:
    """The plain transcript inside any answer format (for word error rates)."""
    if media_type == "text/event-stream":
        events = sse.parse(body).events
        done = [event for event in events if event.get("type") == "transcript.text.done"]
        return str(done[-1]["text"]) if done else ""
    text = body.decode("utf-8")
    if media_type == "application/json":
        return str(t.cast(dict[str, t.Any], json.loads(text)).get("text", ""))
    if response_format == "srt":
        return " ".join(cue[3] for cue in srt_cues(text)[0])
    if response_format == "vtt":
        return " ".join(cue[2] for cue in vtt_cues(text)[0])
    return text
