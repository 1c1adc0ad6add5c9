"""Diarization through the official OpenAI Python SDK against the live server (base), strict
response validation on: a two-speaker conversation cut from real recordings, a known speaker
named, the streamed segment events, and the body and events key for key (order too) against
OpenAI's recordings."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import httpx
import pytest

from tests.support.conversation import Conversation, data_url, who_spoke
from tests.support.paths import shared_path

DIARIZE = "gpt-4o-transcribe-diarize"
RECORDED = "openai/fixtures/responses/transcriptions__gpt-4o-transcribe-diarize__"


def _labels_by_speaker(conversation: Conversation, segments: t.Any) -> dict[str, set[str]]:
    labels: dict[str, set[str]] = {}
    for segment in segments:
        labels.setdefault(who_spoke(conversation, segment.start, segment.end), set()).add(
            segment.speaker
        )
    return labels


@pytest.fixture(scope="module")
def diarized(base_url: str, conversation: Conversation) -> t.Any:
    """One diarized transcript of the conversation, shared by the tests that read it."""
    from openai import OpenAI

    client = OpenAI(
        base_url=f"{base_url}/v1",
        api_key="unused",
        max_retries=0,
        timeout=300,
        _strict_response_validation=True,
    )
    with conversation.path.open("rb") as audio:
        return client.audio.transcriptions.create(
            model=DIARIZE, file=audio, response_format="diarized_json"
        )


def test_sdk_parses_the_diarized_transcript(diarized: t.Any) -> None:
    from openai.types.audio import TranscriptionDiarized

    assert isinstance(diarized, TranscriptionDiarized)
    assert diarized.task == "transcribe"
    assert diarized.text == "".join(segment.text for segment in diarized.segments).strip()


def test_two_voices_get_two_letters_by_first_appearance(
    diarized: t.Any, conversation: Conversation
) -> None:
    labels = _labels_by_speaker(conversation, diarized.segments)
    assert labels == {"first": {"A"}, "second": {"B"}}, [
        (s.start, s.end, s.speaker, s.text) for s in diarized.segments
    ]


def test_segments_are_ordered_with_ids(diarized: t.Any, conversation: Conversation) -> None:
    starts = [segment.start for segment in diarized.segments]
    assert starts == sorted(starts)
    assert [segment.id for segment in diarized.segments] == [
        f"seg_{i}" for i in range(len(diarized.segments))
    ]
    assert all(s.start < s.end <= diarized.duration + 0.01 for s in diarized.segments)
    assert diarized.duration == pytest.approx(conversation.spans[-1][1], abs=0.01)


def test_known_speaker_is_named(openai_client: t.Any, conversation: Conversation) -> None:
    with conversation.path.open("rb") as audio:
        result = openai_client.audio.transcriptions.create(
            model=DIARIZE,
            file=audio,
            response_format="diarized_json",
            known_speaker_names=["reader"],
            known_speaker_references=[data_url(conversation.reference_wav)],
        )
    labels = _labels_by_speaker(conversation, result.segments)
    assert labels == {"first": {"reader"}, "second": {"A"}}


def test_stream_sends_segment_events_then_done(
    openai_client: t.Any, conversation: Conversation
) -> None:
    from openai.types.audio import TranscriptionTextDoneEvent, TranscriptionTextSegmentEvent

    with conversation.path.open("rb") as audio:
        events = list(
            openai_client.audio.transcriptions.create(
                model=DIARIZE, file=audio, response_format="diarized_json", stream=True
            )
        )
    *segments, done = events
    assert segments and all(isinstance(e, TranscriptionTextSegmentEvent) for e in segments)
    assert isinstance(done, TranscriptionTextDoneEvent)
    assert done.text == "".join(segment.text for segment in segments).strip()
    assert {e.speaker for e in segments} == {"A", "B"}


# --- Against OpenAI's recordings, key for key ---------------------------------------------


def _keys(value: t.Any) -> t.Any:
    """The structure of a JSON value: dict keys in order, each with its value's structure;
    a list by its first element."""
    if isinstance(value, dict):
        return [(key, _keys(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_keys(value[0])] if value else []
    return type(value).__name__


def _post(base_url: str, audio: Path, **fields: str) -> httpx.Response:
    with httpx.Client(base_url=base_url, timeout=300) as http:
        return http.post(
            "/v1/audio/transcriptions",
            data={"model": DIARIZE, "response_format": "diarized_json", **fields},
            files={"file": (audio.name, audio.read_bytes(), "audio/wav")},
        )


def test_body_matches_the_recorded_structure(base_url: str) -> None:
    recorded = shared_path(RECORDED + "diarized_json__ruby_llm-2026-08.json")
    audio = shared_path("openai/fixtures/audio/openai-dotnet__audio_meeting.wav")
    response = _post(base_url, audio)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert _keys(response.json()) == _keys(json.loads(recorded.read_text()))


def _sse_events(body: str) -> list[t.Any]:
    frames = [line[len("data: ") :] for line in body.split("\r\n") if line.startswith("data: ")]
    return [frame if frame == "[DONE]" else json.loads(frame) for frame in frames]


def test_stream_matches_the_recorded_structure(base_url: str) -> None:
    recorded = shared_path(RECORDED + "diarized_json_stream__openai-dotnet-2026-04.sse")
    audio = shared_path("openai/fixtures/audio/openai-dotnet__audio_meeting.wav")
    response = _post(base_url, audio, stream="true")
    assert response.status_code == 200, response.text
    ours = _sse_events(response.text)
    theirs = _sse_events(recorded.read_bytes().decode("utf-8"))
    assert [_keys(e) for e in ours] == [_keys(e) for e in theirs]
    assert ours[-1] == "[DONE]"
