"""Server-sent event streams (``stream=true``) as typed events.

The server sends ``data: {json}`` lines, each a ``transcript.text.delta`` or the one
``transcript.text.done``, then ``data: [DONE]``. An error after the stream started
arrives as ``data: {"error": {...}}`` and is raised as :class:`WhisperdError`.
"""

from __future__ import annotations

import json
import typing as t
from collections.abc import Iterator

from whisperd_client import AuthenticatedClient, Client
from whisperd_client.models import (
    CreateTranscriptionRequest,
    CreateTranslationRequest,
    TranscriptTextDeltaEvent,
    TranscriptTextDoneEvent,
)
from whisperd_client.types import RequestFiles

from whisperd_helpers.errors import WhisperdError

StreamEvent = TranscriptTextDeltaEvent | TranscriptTextDoneEvent


def parse_event(payload: dict[str, t.Any]) -> StreamEvent:
    if "error" in payload:
        raise WhisperdError.from_event(payload)
    if payload.get("type") == "transcript.text.done":
        return TranscriptTextDoneEvent.from_dict(payload)
    return TranscriptTextDeltaEvent.from_dict(payload)


def _stream(
    client: Client | AuthenticatedClient, path: str, files: RequestFiles
) -> Iterator[StreamEvent]:
    with client.get_httpx_client().stream("POST", path, files=files) as response:
        if response.status_code != 200:
            response.read()
            raise WhisperdError.from_http(response)
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue  # blank separators, comments, `event:` lines
            data = line.removeprefix("data:").strip()
            if data == "[DONE]":
                return
            yield parse_event(json.loads(data))


def stream_transcription(
    client: Client | AuthenticatedClient, body: CreateTranscriptionRequest
) -> Iterator[StreamEvent]:
    """The transcript's events as they are decoded (``body.stream`` is forced on)."""
    body.stream = True
    return _stream(client, "/v1/audio/transcriptions", body.to_multipart())


def stream_translation(
    client: Client | AuthenticatedClient, body: CreateTranslationRequest
) -> Iterator[StreamEvent]:
    """The English translation's events as they are decoded (``body.stream`` is forced on)."""
    body.stream = True
    return _stream(client, "/v1/audio/translations", body.to_multipart())
