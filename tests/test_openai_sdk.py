"""The official openai Python SDK, unchanged, as the client (strict response validation)."""

from __future__ import annotations

import typing as t

import openai
import pytest

from tests.support.audio import GeneratedAudio


def test_snippet_from_the_issue(openai_client: t.Any, english_speech: GeneratedAudio) -> None:
    result = openai_client.audio.transcriptions.create(model="whisper-1", file=english_speech.path)
    assert isinstance(result, openai.types.audio.Transcription)
    assert "test" in result.text.lower()
    assert result.usage.type == "duration"


@pytest.mark.parametrize("response_format", ["text", "srt", "vtt"])
def test_text_formats_come_back_as_str(
    openai_client: t.Any, english_speech: GeneratedAudio, response_format: str
) -> None:
    result = openai_client.audio.transcriptions.create(
        model="whisper-1", file=english_speech.path, response_format=response_format
    )
    assert isinstance(result, str) and result.strip()


def test_verbose_json_with_words_and_segments(
    openai_client: t.Any, english_speech: GeneratedAudio
) -> None:
    result = openai_client.audio.transcriptions.create(
        model="whisper-1",
        file=english_speech.path,
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    assert isinstance(result, openai.types.audio.TranscriptionVerbose)
    assert result.language == "english"
    assert result.words and result.segments


def test_logprobs(openai_client: t.Any, english_speech: GeneratedAudio) -> None:
    result = openai_client.audio.transcriptions.create(
        model="whisper-1", file=english_speech.path, include=["logprobs"]
    )
    assert result.logprobs and all(item.logprob <= 0 for item in result.logprobs)


def test_streaming_loop(openai_client: t.Any, english_speech: GeneratedAudio) -> None:
    stream = openai_client.audio.transcriptions.create(
        model="whisper-1", file=english_speech.path, stream=True
    )
    events = list(stream)
    assert events[-1].type == "transcript.text.done"
    assert "".join(e.delta for e in events[:-1]) == events[-1].text


def test_translation(openai_client: t.Any, german_speech: GeneratedAudio) -> None:
    result = openai_client.audio.translations.create(model="whisper-1", file=german_speech.path)
    assert isinstance(result, openai.types.audio.Translation) and result.text


def test_verbose_translation(openai_client: t.Any, german_speech: GeneratedAudio) -> None:
    result = openai_client.audio.translations.create(
        model="whisper-1", file=german_speech.path, response_format="verbose_json"
    )
    assert result.language == "english" and result.segments


def test_extra_body_extensions(openai_client: t.Any, english_speech: GeneratedAudio) -> None:
    result = openai_client.audio.transcriptions.create(
        model="whisper-1",
        file=english_speech.path,
        extra_body={"vad_filter": True, "beam_size": 2},
    )
    assert result.text


def test_bad_request_is_raised_as_bad_request_error(
    openai_client: t.Any, english_speech: GeneratedAudio
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.audio.transcriptions.create(
            model="whisper-1", file=english_speech.path, language="klingon"
        )
    assert caught.value.code == "invalid_language_format"
    assert caught.value.param == "language"


def test_unknown_model_is_not_found_error(
    openai_client: t.Any, english_speech: GeneratedAudio
) -> None:
    with pytest.raises(openai.NotFoundError):
        openai_client.audio.transcriptions.create(model="no-such-model", file=english_speech.path)
