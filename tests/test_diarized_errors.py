"""What diarization refuses, in OpenAI's envelope: the formats and parameters
gpt-4o-transcribe-diarize does not take, long audio without chunking_strategy, and bad
known-speaker input. In process (tiny.en); none of these needs a transcription but the last
two, which check what is accepted."""

from __future__ import annotations

import typing as t
from pathlib import Path

import httpx
import numpy as np
import pytest
from starlette.testclient import TestClient

from tests.support.audio import GeneratedAudio, write_wav
from tests.support.conversation import clip_wav, data_url
from tests.support.errors import assert_error
from tests.support.http import URL
from tests.support.inprocess import app_client

DIARIZE = "gpt-4o-transcribe-diarize"
REFS = "known_speaker_references[]"
NAMES = "known_speaker_names[]"


@pytest.fixture(scope="module")
def client(model_cache_dir: Path) -> t.Iterator[TestClient]:
    with app_client(model_cache_dir) as app:
        yield app


def post(
    client: httpx.Client, audio: bytes, fields: dict[str, t.Any], model: str = DIARIZE
) -> httpx.Response:
    return client.post(
        URL, data={"model": model, **fields}, files={"file": ("a.wav", audio, "audio/wav")}
    )


def diarized(client: httpx.Client, audio: bytes, **fields: t.Any) -> httpx.Response:
    return post(client, audio, {"response_format": "diarized_json", **fields})


@pytest.fixture(scope="module")
def speech(english_speech: GeneratedAudio) -> bytes:
    return english_speech.path.read_bytes()


@pytest.mark.parametrize("fmt", ["verbose_json", "srt", "vtt"])
def test_diarize_model_refuses_other_formats(client: httpx.Client, speech: bytes, fmt: str) -> None:
    error = assert_error(
        post(client, speech, {"response_format": fmt}), 400, "response_format", "unsupported_value"
    )
    assert f"'{fmt}' is not compatible with model '{DIARIZE}'" in str(error["message"])


@pytest.mark.parametrize(
    ("param", "value"),
    [("prompt", "Hello."), ("timestamp_granularities[]", "word"), ("include[]", "logprobs")],
)
def test_diarize_model_refuses_parameter(
    client: httpx.Client, speech: bytes, param: str, value: str
) -> None:
    response = post(client, speech, {"response_format": "json", param: value})
    assert_error(response, 400, param, "unsupported_parameter")


def test_long_audio_needs_chunking_strategy(client: httpx.Client, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    long_noise = write_wav(tmp_path / "long.wav", 0.01 * rng.standard_normal(31 * 16000))
    response = diarized(client, long_noise.read_bytes())
    error = assert_error(response, 400, "chunking_strategy")
    assert str(error["message"]).startswith("chunking_strategy is required for diarization models")


def test_names_without_references(client: httpx.Client, speech: bytes) -> None:
    response = diarized(client, speech, **{NAMES: "agent"})
    assert_error(response, 400, REFS, "invalid_value")


def test_references_without_names(client: httpx.Client, speech: bytes, tmp_path: Path) -> None:
    response = diarized(client, speech, **{REFS: data_url(clip_wav(3, tmp_path))})
    assert_error(response, 400, NAMES, "invalid_value")


def test_counts_that_differ(client: httpx.Client, speech: bytes, tmp_path: Path) -> None:
    reference = data_url(clip_wav(3, tmp_path))
    response = diarized(client, speech, **{NAMES: ["a", "b"], REFS: [reference]})
    error = assert_error(response, 400, REFS, "invalid_value")
    assert "same number" in str(error["message"])


def test_more_than_four_known_speakers(client: httpx.Client, speech: bytes, tmp_path: Path) -> None:
    reference = data_url(clip_wav(3, tmp_path))
    names = ["a", "b", "c", "d", "e"]
    response = diarized(client, speech, **{NAMES: names, REFS: [reference] * 5})
    assert_error(response, 400)


def test_repeated_name(client: httpx.Client, speech: bytes, tmp_path: Path) -> None:
    reference = data_url(clip_wav(3, tmp_path))
    response = diarized(client, speech, **{NAMES: ["a", "a"], REFS: [reference] * 2})
    assert_error(response, 400, NAMES, "invalid_value")


@pytest.mark.parametrize(
    "reference",
    [
        "https://example.com/agent.wav",
        "data:text/plain;base64,aGVsbG8=",
        "not a url at all",
    ],
)
def test_reference_that_is_not_an_audio_data_url(
    client: httpx.Client, speech: bytes, reference: str
) -> None:
    response = diarized(client, speech, **{NAMES: "agent", REFS: reference})
    error = assert_error(response, 400, REFS, "invalid_value")
    assert "known_speaker_references[0]" in str(error["message"])


def test_reference_bytes_that_are_not_audio(client: httpx.Client, speech: bytes) -> None:
    reference = data_url(b"these are not audio bytes\n" * 100)
    response = diarized(client, speech, **{NAMES: "agent", REFS: reference})
    assert_error(response, 400, REFS, "invalid_value")


@pytest.mark.parametrize("seconds", [0.8, 12.0])
def test_reference_too_short_or_too_long(
    client: httpx.Client, speech: bytes, tmp_path: Path, seconds: float
) -> None:
    reference = data_url(clip_wav(seconds, tmp_path))
    response = diarized(client, speech, **{NAMES: "agent", REFS: reference})
    error = assert_error(response, 400, REFS, "invalid_value")
    assert "between 2 and 10 seconds" in str(error["message"])


def test_second_reference_is_named_in_the_error(
    client: httpx.Client, speech: bytes, tmp_path: Path
) -> None:
    good, short = data_url(clip_wav(3, tmp_path)), data_url(clip_wav(0.8, tmp_path))
    response = diarized(client, speech, **{NAMES: ["a", "b"], REFS: [good, short]})
    error = assert_error(response, 400, REFS)
    assert "known_speaker_references[1]" in str(error["message"])


def test_any_installed_model_answers_diarized_json(client: httpx.Client, speech: bytes) -> None:
    response = post(client, speech, {"response_format": "diarized_json"}, model="tiny.en")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [seg["speaker"] for seg in body["segments"]][:1] == ["A"]
    assert body["usage"]["type"] == "duration"  # installed models bill in seconds


def test_diarize_model_answers_text(client: httpx.Client, speech: bytes) -> None:
    response = post(client, speech, {"response_format": "text"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "weather" in response.text.lower()


def test_known_speakers_are_unused_without_diarized_json(
    client: httpx.Client, speech: bytes
) -> None:
    response = post(client, speech, {NAMES: "agent", "response_format": "json"}, model="tiny.en")
    assert response.status_code == 200, response.text


def test_missing_encoder_weights_is_a_clear_500(
    model_cache_dir: Path, speech: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHISPERD_DIARIZE_WEIGHTS", str(tmp_path / "missing.pt"))
    with app_client(model_cache_dir) as app:
        fresh = t.cast(httpx.Client, app)  # the fixtures above pass it untyped, alike
        response = diarized(fresh, speech)
        assert_error(response, 500, code="diarization_unavailable")
        assert post(fresh, speech, {"response_format": "json"}).status_code == 200
