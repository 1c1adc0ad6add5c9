"""Realtime sessions with speakers: with ``gpt-4o-transcribe-diarize`` as the transcription
model, each completed turn is preceded by its ``...segment`` events, and a voice keeps its
label from turn to turn. In process (tiny.en), on a two-speaker conversation cut from real
recordings; every server event is checked against spec/realtime.asyncapi.yaml."""

from __future__ import annotations

import typing as t
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient
from whisperd.engine.audio import SAMPLE_RATE

from tests.support.conversation import Conversation, require_speaker_weights
from tests.support.inprocess import app_client
from tests.support.realtime import COMPLETED, Session, load_samples, pcm16

SEGMENT = "conversation.item.input_audio_transcription.segment"
DIARIZE_MANUAL = {"type": "session.update", "session": {"type": "transcription", "audio": {
    "input": {"transcription": {"model": "gpt-4o-transcribe-diarize", "language": "en"},
              "turn_detection": None}}}}  # fmt: skip


@pytest.fixture(scope="module")
def client(model_cache_dir: Path) -> t.Iterator[TestClient]:
    require_speaker_weights()
    with app_client(model_cache_dir) as app:
        yield app


@pytest.fixture(scope="module")
def turns(client: TestClient, conversation: Conversation) -> list[dict[str, t.Any]]:
    """The conversation's three turns (first speaker, second, first again), each appended
    and committed by hand: every event the session sent for them."""
    samples = load_samples(conversation.path)
    session = Session(client)
    try:
        assert session.next()["type"] == "session.created"
        session.send(DIARIZE_MANUAL)
        assert session.next()["type"] == "session.updated"
        events: list[dict[str, t.Any]] = []
        for start, end, _ in conversation.spans:
            piece = samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
            session.send_audio(pcm16(piece))
            session.send({"type": "input_audio_buffer.commit"})
            events += session.until(COMPLETED, timeout=300)
        return events
    finally:
        session.close()


def completed_items(events: list[dict[str, t.Any]]) -> list[str]:
    return [e["item_id"] for e in events if e["type"] == COMPLETED]


def segments_of(events: list[dict[str, t.Any]], item_id: str) -> list[dict[str, t.Any]]:
    return [e for e in events if e["type"] == SEGMENT and e["item_id"] == item_id]


def test_segments_come_before_their_turn_completes(turns: list[dict[str, t.Any]]) -> None:
    items = completed_items(turns)
    assert len(items) == 3
    for item_id in items:
        kinds = [e["type"] for e in turns if e.get("item_id") == item_id]
        first_segment = kinds.index(SEGMENT)
        assert kinds[first_segment:] == [SEGMENT] * (len(kinds) - first_segment - 1) + [COMPLETED]


def test_a_turns_segments_join_to_its_transcript(turns: list[dict[str, t.Any]]) -> None:
    for event in (e for e in turns if e["type"] == COMPLETED):
        segments = segments_of(turns, event["item_id"])
        assert "".join(s["text"] for s in segments).strip() == event["transcript"].strip()
        assert [s["id"] for s in segments] == [f"seg_{i}" for i in range(len(segments))]
        assert all(0 <= s["start"] < s["end"] for s in segments)


def test_a_voice_keeps_its_label_across_turns(
    turns: list[dict[str, t.Any]], conversation: Conversation
) -> None:
    labels = [
        {s["speaker"] for s in segments_of(turns, item_id)} for item_id in completed_items(turns)
    ]
    assert [who for _, _, who in conversation.spans] == ["first", "second", "first"]
    assert labels == [{"A"}, {"B"}, {"A"}], [
        (s["item_id"][-4:], s["speaker"], s["text"]) for s in turns if s["type"] == SEGMENT
    ]


def test_the_sdk_parses_the_segment_events(turns: list[dict[str, t.Any]]) -> None:
    from openai.types.realtime import (
        ConversationItemInputAudioTranscriptionSegment,
        RealtimeServerEvent,
    )
    from pydantic import TypeAdapter

    adapter: TypeAdapter[t.Any] = TypeAdapter(RealtimeServerEvent)
    segments = [e for e in turns if e["type"] == SEGMENT]
    assert segments
    for event in segments:
        parsed = adapter.validate_python(event)
        assert isinstance(parsed, ConversationItemInputAudioTranscriptionSegment)
        assert (parsed.speaker, parsed.text) == (event["speaker"], event["text"])


def test_another_model_sends_no_segments(client: TestClient, conversation: Conversation) -> None:
    samples = load_samples(conversation.path)
    session = Session(client)
    try:
        session.next()
        session.send({"type": "session.update", "session": {"type": "transcription",
                      "audio": {"input": {"turn_detection": None}}}})  # fmt: skip
        session.next()
        start, end, _ = conversation.spans[1]
        session.send_audio(pcm16(samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]))
        session.send({"type": "input_audio_buffer.commit"})
        events = session.until(COMPLETED, timeout=300)
    finally:
        session.close()
    assert events[-1]["transcript"].strip()
    assert SEGMENT not in {e["type"] for e in events}


def test_a_silent_turn_completes_without_segments(client: TestClient) -> None:
    session = Session(client)
    try:
        session.next()
        session.send(DIARIZE_MANUAL)
        session.next()
        session.send_audio(pcm16(np.zeros(SAMPLE_RATE, np.float32)))
        session.send({"type": "input_audio_buffer.commit"})
        events = session.until(COMPLETED, timeout=300)
    finally:
        session.close()
    assert [e for e in events if e["type"] == SEGMENT and e["text"].strip()] == []
