"""POST /v1/audio/translations: speech in other languages into English text."""

from __future__ import annotations

import httpx
import pytest

from tests.support.audio import GeneratedAudio
from tests.support.paths import SHARED_AUDIO, shared_path
from tests.support.wer import read_manifest, word_error_rate

URL = "/v1/audio/translations"


def translate(client: httpx.Client, path: object, **fields: str) -> httpx.Response:
    with open(path, "rb") as handle:  # type: ignore[call-overload]
        return client.post(URL, data={"model": "whisper-1", **fields}, files={"file": handle})


def test_generated_german_speech_comes_out_in_english(
    client: httpx.Client, german_speech: GeneratedAudio
) -> None:
    body = translate(client, german_speech.path).json()
    assert list(body) == ["text"]
    text = body["text"].lower()
    assert any(word in text for word in ("weather", "park", "morning")), text


def test_verbose_json_translation_is_openai_shaped(
    client: httpx.Client, german_speech: GeneratedAudio
) -> None:
    body = translate(client, german_speech.path, response_format="verbose_json").json()
    assert list(body) == ["task", "language", "duration", "text", "segments"]
    assert body["task"] == "translate"
    assert body["language"] == "english"


@pytest.mark.parametrize("response_format", ["text", "srt", "vtt"])
def test_translation_text_formats(
    client: httpx.Client, german_speech: GeneratedAudio, response_format: str
) -> None:
    response = translate(client, german_speech.path, response_format=response_format)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_translation_refuses_transcription_only_fields(
    client: httpx.Client, german_speech: GeneratedAudio
) -> None:
    response = translate(client, german_speech.path, language="de")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "language"


def test_shared_clips_with_reference_translations(client: httpx.Client) -> None:
    """The 42 s French clip whose English translation is known (OpenAI's own
    translation fixtures use the same recording)."""
    shared_path("audio/MANIFEST.tsv")
    rows = [
        row for row in read_manifest(SHARED_AUDIO)
        if row.translation and row.language not in ("zh",) and "+" not in row.language
    ]  # fmt: skip
    assert rows
    report = []
    for row in rows:
        text = translate(client, SHARED_AUDIO / row.path).json()["text"]
        reference = row.translation.replace(" / ", " ")
        rate = word_error_rate(reference, text)
        report.append((row.path, round(rate, 3)))
        assert rate < 0.75, (row.path, text)  # free translation: phrasing differs
    print("translation WER vs reference translations:", report)


@pytest.mark.parametrize(
    ("clip", "expected"),
    [
        ("multilingual/leopard__test_es.wav", ("sand", "white")),
        ("multilingual/leopard__test_de.wav", ("portal", "hall", "room")),
        ("multilingual/cuttledoc__fleurs-es-000.ogg", ("travel", "weather", "climate")),
    ],
)
def test_recorded_speech_translates(
    client: httpx.Client, clip: str, expected: tuple[str, ...]
) -> None:
    text = translate(client, shared_path(f"audio/{clip}")).json()["text"].lower()
    assert any(word in text for word in expected), text
