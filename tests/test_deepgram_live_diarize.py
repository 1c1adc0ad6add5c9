"""Deepgram's live socket with ``diarize=true``: each final result's words carry their
speaker's number, and a voice keeps its number from turn to turn. In process (tiny.en), on a
two-speaker conversation cut from real recordings (first speaker, second, first again), each
turn ended by ``Finalize``; every server message is checked against
spec/deepgram.asyncapi.yaml."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from whisperd.engine.audio import SAMPLE_RATE

from tests.support.conversation import Conversation, require_speaker_weights
from tests.support.deepgram import refused_upgrade, validate_server_message
from tests.support.inprocess import app_client
from tests.support.realtime import load_samples, pcm16

# Only Finalize ends a turn: each of the conversation's pieces is one turn.
DIARIZE_URL = "/v1/listen?encoding=linear16&sample_rate=16000&endpointing=60000&punctuate=true"
Message = dict[str, t.Any]


@pytest.fixture(scope="module")
def client(model_cache_dir: Path) -> t.Iterator[TestClient]:
    require_speaker_weights()
    with app_client(model_cache_dir) as app:
        yield app


def next_message(ws: t.Any) -> Message:
    message = ws.receive_json()
    validate_server_message(message)
    assert isinstance(message, dict)
    return message


def finals_of_turns(client: TestClient, conversation: Conversation, query: str) -> list[Message]:
    """The final result of each of the conversation's pieces, sent one by one, each ended by
    Finalize; then the stream is closed as Deepgram's clients close it."""
    samples = load_samples(conversation.path)
    finals: list[Message] = []
    with client.websocket_connect(f"{DIARIZE_URL}{query}") as ws:
        for start, end, _ in conversation.spans:
            piece = pcm16(samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)], 16_000)
            for offset in range(0, len(piece), 6400):
                ws.send_bytes(piece[offset : offset + 6400])
            ws.send_text(json.dumps({"type": "Finalize"}))
            message = next_message(ws)
            while not (message["type"] == "Results" and message["from_finalize"]):
                message = next_message(ws)
            finals.append(message)
        ws.send_text(json.dumps({"type": "CloseStream"}))
        with pytest.raises(WebSocketDisconnect):
            while True:
                next_message(ws)
    return finals


@pytest.fixture(scope="module")
def diarized(client: TestClient, conversation: Conversation) -> list[Message]:
    return finals_of_turns(client, conversation, "&diarize=true")


def words_of(result: Message) -> list[Message]:
    words = result["channel"]["alternatives"][0]["words"]
    assert isinstance(words, list)
    return words


def test_every_final_word_has_a_speaker(diarized: list[Message]) -> None:
    assert len(diarized) == 3
    for result in diarized:
        assert words_of(result), result
        assert all(isinstance(word.get("speaker"), int) for word in words_of(result)), result


def test_a_voice_keeps_its_number_across_turns(
    diarized: list[Message], conversation: Conversation
) -> None:
    assert [who for _, _, who in conversation.spans] == ["first", "second", "first"]
    numbers = [{word["speaker"] for word in words_of(result)} for result in diarized]
    assert numbers == [{0}, {1}, {0}], [
        [(word["speaker"], word["punctuated_word"]) for word in words_of(result)]
        for result in diarized
    ]


def test_the_sdk_reads_the_speakers(diarized: list[Message]) -> None:
    from deepgram.listen.v1.types import ListenV1Results

    for result in diarized:
        parsed = ListenV1Results.model_validate(result)
        words = parsed.channel.alternatives[0].words
        assert [word.speaker for word in words] == [word["speaker"] for word in words_of(result)]


def test_without_diarize_words_have_no_speaker(
    client: TestClient, conversation: Conversation
) -> None:
    finals = finals_of_turns(client, conversation, "")
    assert all(words_of(result) for result in finals)
    assert not any("speaker" in word for result in finals for word in words_of(result))


def test_missing_encoder_weights_refuse_the_handshake(
    model_cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHISPERD_DIARIZE_WEIGHTS", str(tmp_path / "missing.pt"))
    with app_client(model_cache_dir) as app:
        response = refused_upgrade(app, f"{DIARIZE_URL}&diarize=true")
    assert response.status_code == 500
    assert "diarization is not available" in response.json()["err_msg"]
