"""POST /v1/audio/transcriptions against the live server, on speech the project makes."""

from __future__ import annotations

import itertools
import json
import math
import re
import typing as t

import httpx
import pytest

from tests.support.audio import GeneratedAudio
from tests.support.wer import normalise, word_error_rate

URL = "/v1/audio/transcriptions"


def post(client: httpx.Client, audio: GeneratedAudio, **fields: t.Any) -> httpx.Response:
    data: dict[str, str | list[str]] = {"model": fields.pop("model", "whisper-1")}
    for name, value in fields.items():
        data[name] = [str(item) for item in value] if isinstance(value, list) else str(value)
    with open(audio.path, "rb") as handle:
        return client.post(URL, data=data, files={"file": (audio.path.name, handle, "audio/wav")})


def test_json_is_openai_shaped(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    response = post(client, english_speech)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["text", "usage"]
    assert body["usage"] == {"type": "duration", "seconds": math.ceil(english_speech.duration)}
    assert word_error_rate(english_speech.text, body["text"]) < 0.25


def test_text_format_is_plain_text_with_newline(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    response = post(client, english_speech, response_format="text")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.endswith("\n") and not response.text.endswith("\n\n")
    assert response.text.strip() == post(client, english_speech).json()["text"]


def test_srt_format(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    response = post(client, english_speech, response_format="srt")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    cues = response.text.split("\n\n")
    assert cues[0].startswith("1\n00:00:0")
    assert re.fullmatch(r"1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n.+", cues[0])
    assert response.text.endswith("\n\n\n")


def test_vtt_format(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    response = post(client, english_speech, response_format="vtt")
    assert response.text.startswith("WEBVTT\n\n00:00:0")
    assert re.search(r"\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\n", response.text)
    assert response.text.endswith("\n\n") and not response.text.endswith("\n\n\n")


def test_verbose_json_defaults_to_segments(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    body = post(client, english_speech, response_format="verbose_json").json()
    assert list(body) == ["task", "language", "duration", "text", "segments", "usage"]
    assert body["task"] == "transcribe"
    assert body["language"] == "english"
    assert body["duration"] == pytest.approx(english_speech.duration, abs=0.01)
    first = body["segments"][0]
    assert first["id"] == 0 and first["seek"] == 0
    assert first["tokens"][0] >= 50364  # a timestamp token opens the segment
    assert "".join(s["text"] for s in body["segments"]).strip() == body["text"]


def test_word_granularity_only_has_no_segments(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    body = post(
        client,
        english_speech,
        response_format="verbose_json",
        **{"timestamp_granularities[]": "word"},
    ).json()
    assert "segments" not in body
    words = body["words"]
    spoken = " ".join(w["word"] for w in words)
    assert normalise(spoken) == normalise(body["text"])
    assert all(w["word"] == w["word"].strip(" ,.!?") for w in words)
    assert all(w["start"] <= w["end"] for w in words)
    assert all(a["start"] <= b["start"] for a, b in itertools.pairwise(words))


def test_word_and_segment_granularities(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    body = post(
        client,
        english_speech,
        response_format="verbose_json",
        **{"timestamp_granularities[]": ["word", "segment"]},
    ).json()
    assert list(body) == ["task", "language", "duration", "text", "segments", "words", "usage"]


def test_granularities_without_verbose_json_is_openais_400(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    response = post(client, english_speech, **{"timestamp_granularities[]": "word"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "timestamp_granularities[]"
    assert error["message"] == (
        "`response_format` must be `verbose_json` if `timestamp_granularities[]` is provided."
    )


def test_json_logprobs(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    body = post(client, english_speech, **{"include[]": "logprobs"}).json()
    logprobs = body["logprobs"]
    assert "".join(item["token"] for item in logprobs).strip() == body["text"]
    for item in logprobs:
        assert item["logprob"] <= 0
        assert bytes(item["bytes"]).decode("utf-8", "replace") == item["token"]


def test_language_is_honoured(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    body = post(client, english_speech, language="en", response_format="verbose_json").json()
    assert body["language"] == "english"


def test_prompt_is_accepted(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    response = post(client, english_speech, prompt="Transcription server test, park weather.")
    assert response.status_code == 200


def test_temperature_above_zero_decodes_at_that_temperature(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    body = post(client, english_speech, temperature="0.4", response_format="verbose_json").json()
    assert {segment["temperature"] for segment in body["segments"]} == {0.4000000059604645}


def test_temperature_zero_starts_the_ladder_at_zero(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    body = post(client, english_speech, temperature="0", response_format="verbose_json").json()
    assert body["segments"][0]["temperature"] == 0.0


def test_english_only_model_by_name(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    body = post(client, english_speech, model="tiny.en").json()
    assert word_error_rate(english_speech.text, body["text"]) < 0.35


@pytest.mark.parametrize("alias", ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"])
def test_openai_model_names_mean_the_default(
    client: httpx.Client, english_speech: GeneratedAudio, alias: str
) -> None:
    assert post(client, english_speech, model=alias).status_code == 200


def test_usage_is_in_tokens_for_gpt_4o_names_and_seconds_for_whisper_1(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    tokens = post(client, english_speech, model="gpt-4o-mini-transcribe").json()["usage"]
    assert tokens["type"] == "tokens" and tokens["output_tokens"] > 5
    assert post(client, english_speech).json()["usage"]["type"] == "duration"


def test_vad_extension_and_chunking_strategy(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    for fields in (
        {"vad_filter": "true"},
        {"chunking_strategy": "auto"},
        {"chunking_strategy[type]": "server_vad", "chunking_strategy[threshold]": "0.4"},
        {"chunking_strategy": json.dumps({"type": "server_vad", "silence_duration_ms": 300})},
    ):
        response = post(client, english_speech, **fields)
        assert response.status_code == 200, fields
        assert word_error_rate(english_speech.text, response.json()["text"]) < 0.3


def test_hotwords_and_keywords_are_accepted(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    response = post(client, english_speech, hotwords="transcription", **{"keywords[]": ["park"]})
    assert response.status_code == 200


def test_beam_size_extension(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    assert post(client, english_speech, beam_size="1").status_code == 200
