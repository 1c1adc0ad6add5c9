"""``whisperd_helpers`` on answers the live server rarely gives: mid-stream errors, odd SSE.

A mock transport stands in for the server, so each case is exact and needs no model.
"""

from __future__ import annotations

import io
import typing as t

import httpx
import pytest
from whisperd_client import Client
from whisperd_client.models import (
    CreateTranscriptionRequest,
    TranscriptionResponseFormat,
    TranscriptTextDeltaEvent,
    TranscriptTextDoneEvent,
)
from whisperd_client.types import File

from whisperd_helpers import WhisperdError, stream_transcription, transcribe_text

ENVELOPE = {
    "error": {
        "message": "Audio file might be corrupted or unsupported",
        "type": "invalid_request_error",
        "param": "file",
        "code": "invalid_value",
    }
}


def mock_client(answer: httpx.Response, seen: list[httpx.Request] | None = None) -> Client:
    def handle(request: httpx.Request) -> httpx.Response:
        request.read()
        if seen is not None:
            seen.append(request)
        return answer

    transport = httpx.MockTransport(handle)
    return Client(base_url="http://whisperd.test", httpx_args={"transport": transport})


def body(**fields: t.Any) -> CreateTranscriptionRequest:
    audio = File(payload=io.BytesIO(b"RIFF"), file_name="a.wav")
    return CreateTranscriptionRequest(file=audio, model="whisper-1", **fields)


def sse(*lines: str) -> httpx.Response:
    text = "".join(f"{line}\r\n" for line in lines)
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=text)


def test_stream_skips_comments_event_lines_and_blank_lines() -> None:
    answer = sse(
        ": keep-alive",
        "event: transcript.text.delta",
        'data: {"type": "transcript.text.delta", "delta": "Hi"}',
        "",
        'data: {"type": "transcript.text.done", "text": "Hi"}',
        "",
        "data: [DONE]",
        "",
    )
    events = list(stream_transcription(mock_client(answer), body()))
    assert [type(event) for event in events] == [TranscriptTextDeltaEvent, TranscriptTextDoneEvent]
    assert events[0].delta == "Hi" and events[1].text == "Hi"


def test_stream_stops_at_done_marker() -> None:
    answer = sse(
        'data: {"type": "transcript.text.done", "text": "x"}',
        "data: [DONE]",
        'data: {"type": "transcript.text.delta", "delta": "after the end"}',
    )
    assert len(list(stream_transcription(mock_client(answer), body()))) == 1


def test_stream_error_event_raises_whisperd_error() -> None:
    answer = sse(
        'data: {"type": "transcript.text.delta", "delta": "Hi"}',
        'data: {"error": {"message": "inference failed", "type": "server_error",'
        ' "param": null, "code": null}}',
    )
    events = stream_transcription(mock_client(answer), body())
    assert isinstance(next(events), TranscriptTextDeltaEvent)
    with pytest.raises(WhisperdError) as raised:
        next(events)
    assert raised.value.error.type_ == "server_error"
    assert str(raised.value) == "200 server_error: inference failed"


def test_stream_sends_stream_true() -> None:
    seen: list[httpx.Request] = []
    list(stream_transcription(mock_client(sse("data: [DONE]"), seen), body()))
    assert b'name="stream"\r\nContent-Type: text/plain\r\n\r\nTrue' in seen[0].content


def test_text_error_status_raises_with_the_envelope() -> None:
    client = mock_client(httpx.Response(400, json=ENVELOPE))
    with pytest.raises(WhisperdError) as raised:
        transcribe_text(client, body(response_format=TranscriptionResponseFormat.TEXT))
    assert (raised.value.status_code, raised.value.param) == (400, "file")
    assert raised.value.code == "invalid_value"


def test_error_without_envelope_still_raises() -> None:
    client = mock_client(httpx.Response(502, text="Bad Gateway"))
    with pytest.raises(WhisperdError) as raised:
        transcribe_text(client, body(response_format=TranscriptionResponseFormat.SRT))
    assert raised.value.status_code == 502 and raised.value.error.message == "Bad Gateway"


def test_array_fields_are_repeated_parts() -> None:
    seen: list[httpx.Request] = []
    client = mock_client(httpx.Response(200, text="hi\n"), seen)
    transcribe_text(client, body(languages=["en", "de"], keywords=["whisperd", "CTranslate2"]))
    content = seen[0].content
    assert content.count(b'name="languages[]"') == 2 and content.count(b'name="keywords[]"') == 2
