"""The benchmark's HTTP client: the requests an OpenAI SDK would send, timed from the moment
the request is handed to the client to the last byte (or the first streamed word)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import httpx

from bench.corpus import Clip

TRANSCRIPTIONS = "/v1/audio/transcriptions"
HTTP_TIMEOUT_SECONDS = 900.0


class RequestFailed(Exception):
    """The server answered something other than a successful transcription."""


@dataclass(frozen=True)
class JsonAnswer:
    text: str
    seconds: float


@dataclass(frozen=True)
class StreamAnswer:
    text: str  # the deltas concatenated
    done_text: str  # the text of the transcript.text.done event
    first_delta_seconds: float | None
    seconds: float
    deltas: int


def new_client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=HTTP_TIMEOUT_SECONDS)


def _files(clip: Clip) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (clip.path.name, clip.data, clip.mime_type)}


def post(
    client: httpx.Client, clip: Clip, model: str, fields: dict[str, str | list[str]]
) -> tuple[httpx.Response, float]:
    """Any non-streamed transcription request; returns the response and its duration."""
    started = time.monotonic()
    response = client.post(TRANSCRIPTIONS, data={"model": model, **fields}, files=_files(clip))
    return response, time.monotonic() - started


def transcribe_json(client: httpx.Client, clip: Clip, model: str) -> JsonAnswer:
    """The default request (``response_format=json``)."""
    response, seconds = post(client, clip, model, {})
    if response.status_code != 200:
        raise RequestFailed(f"{clip.name}: {response.status_code} {response.text[:300]}")
    return JsonAnswer(text=str(response.json()["text"]), seconds=seconds)


def transcribe_stream(client: httpx.Client, clip: Clip, model: str) -> StreamAnswer:
    """``stream=true``: times the first ``transcript.text.delta`` and the end of the stream."""
    started = time.monotonic()
    first: float | None = None
    pieces: list[str] = []
    done_text: str | None = None
    data = {"model": model, "stream": "true"}
    with client.stream("POST", TRANSCRIPTIONS, data=data, files=_files(clip)) as response:
        if response.status_code != 200:
            response.read()
            raise RequestFailed(f"{clip.name}: {response.status_code} {response.text[:300]}")
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            payload = line[len("data: ") :]
            if payload == "[DONE]":
                break
            event = json.loads(payload)
            if "error" in event:
                raise RequestFailed(f"{clip.name}: error event {event['error']}")
            if event.get("type") == "transcript.text.delta":
                if first is None:
                    first = time.monotonic() - started
                pieces.append(str(event["delta"]))
            elif event.get("type") == "transcript.text.done":
                done_text = str(event["text"])
    seconds = time.monotonic() - started
    if done_text is None:
        raise RequestFailed(f"{clip.name}: the stream ended without transcript.text.done")
    return StreamAnswer("".join(pieces), done_text, first, seconds, len(pieces))
