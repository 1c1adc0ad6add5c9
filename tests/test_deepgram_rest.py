"""``POST /v1/listen`` on the in-process app: Deepgram's response and error shapes."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.support.conversation import Conversation, who_spoke
from tests.support.deepgram import JFK, JFK_WORDS, validate_error, validate_listen_response
from tests.support.inprocess import app_client
from tests.support.paths import shared_path
from tests.support.realtime import load_samples, pcm16


@pytest.fixture(scope="module")
def client(model_cache_dir: Path) -> t.Iterator[TestClient]:
    with app_client(model_cache_dir, max_upload_bytes=1_000_000) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def jfk() -> bytes:
    return shared_path(JFK).read_bytes()


def listen(client: TestClient, query: str, body: bytes, media: str = "audio/wav") -> t.Any:
    return client.post(f"/v1/listen?{query}", content=body, headers={"content-type": media})


def test_response_has_deepgrams_shape_with_utterances_and_paragraphs(
    client: TestClient, jfk: bytes
) -> None:
    response = listen(client, "model=nova-3&smart_format=true&utterances=true&paragraphs=true", jfk)
    assert response.status_code == 200
    body = response.json()
    validate_listen_response(body)
    alternative = body["results"]["channels"][0]["alternatives"][0]
    assert all(word in alternative["transcript"].lower() for word in JFK_WORDS)
    assert all("punctuated_word" in word for word in alternative["words"])
    assert alternative["paragraphs"]["paragraphs"]
    utterances = body["results"]["utterances"]
    assert [w for u in utterances for w in u["words"]] == alternative["words"]


def test_without_punctuate_the_transcript_is_plain_words(client: TestClient, jfk: bytes) -> None:
    alternative = listen(client, "", jfk).json()["results"]["channels"][0]["alternatives"][0]
    assert alternative["transcript"] == " ".join(w["word"] for w in alternative["words"])
    assert alternative["transcript"] == alternative["transcript"].lower()


def test_headerless_linear16_with_encoding(client: TestClient) -> None:
    raw = pcm16(load_samples(shared_path(JFK)), 8000)[:400_000]
    response = listen(client, "encoding=linear16&sample_rate=8000", raw, "application/octet-stream")
    assert response.status_code == 200
    assert "fellow" in response.json()["results"]["channels"][0]["alternatives"][0]["transcript"]


@pytest.mark.parametrize(
    ("query", "body", "media", "status"),
    [
        ("", b'{"url": "https://example.com/a.wav"}', "application/json", 400),
        ("model=no-such-model", None, "audio/wav", 400),
        ("punctuate=maybe", None, "audio/wav", 400),
        ("", b"this is not audio" * 100, "audio/wav", 400),
        ("", b"\0" * 1_100_000, "audio/wav", 413),
        # 20 kB at 1 Hz would be hours of audio once resampled: refused by its rate.
        ("encoding=linear16&sample_rate=1", b"\0" * 20_000, "application/octet-stream", 400),
    ],
)
def test_errors_have_deepgrams_shape(
    client: TestClient, jfk: bytes, query: str, body: bytes | None, media: str, status: int
) -> None:
    response = listen(client, query, jfk if body is None else body, media)
    assert response.status_code == status
    validate_error(response.json())


def test_token_auth_is_accepted_and_a_wrong_key_is_invalid_auth(
    model_cache_dir: Path, jfk: bytes
) -> None:
    with app_client(model_cache_dir, api_key="sekrit-key-123") as keyed:
        ok = keyed.post(
            "/v1/listen", content=jfk, headers={"authorization": "Token sekrit-key-123"}
        )
        wrong = keyed.post("/v1/listen", content=jfk, headers={"authorization": "Token nope"})
    assert ok.status_code == 200
    assert wrong.status_code == 401
    assert wrong.json()["err_code"] == "INVALID_AUTH"
    validate_error(wrong.json())


def test_headerless_audio_over_the_length_limit_is_refused_before_resampling(
    model_cache_dir: Path,
) -> None:
    raw = b"\0" * 400_000  # 25 s at 8 kHz
    with app_client(model_cache_dir, max_audio_seconds=10) as limited:
        response = listen(
            limited, "encoding=linear16&sample_rate=8000", raw, "application/octet-stream"
        )
    assert response.status_code == 400
    validate_error(response.json())
    assert "too long" in response.json()["err_msg"]


def test_diarize_numbers_the_speakers_of_words_utterances_and_paragraphs(
    client: TestClient, conversation: Conversation
) -> None:
    """Two voices, A B A: words of one voice share a number, 0 for the first to speak."""
    query = "diarize=true&utterances=true&paragraphs=true&punctuate=true"
    response = listen(client, query, conversation.path.read_bytes())
    assert response.status_code == 200, response.text
    body = response.json()
    validate_listen_response(body)
    words = body["results"]["channels"][0]["alternatives"][0]["words"]
    numbers: dict[str, set[int]] = {}
    for word in words:
        numbers.setdefault(who_spoke(conversation, word["start"], word["end"]), set()).add(
            word["speaker"]
        )
    assert words[0]["speaker"] == 0
    assert len(numbers["first"]) == 1 and len(numbers["second"]) == 1
    assert numbers["first"] != numbers["second"]
    for utterance in body["results"]["utterances"]:
        assert {w["speaker"] for w in utterance["words"]} == {utterance["speaker"]}
    paragraphs = body["results"]["channels"][0]["alternatives"][0]["paragraphs"]["paragraphs"]
    assert [p["speaker"] for p in paragraphs] == [0, 1, 0]


def test_without_diarize_words_have_no_speaker(client: TestClient, jfk: bytes) -> None:
    words = listen(client, "", jfk).json()["results"]["channels"][0]["alternatives"][0]["words"]
    assert all("speaker" not in word for word in words)
