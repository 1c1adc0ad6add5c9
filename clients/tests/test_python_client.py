"""The generated Python client (``whisperd_client``) and its helpers against a live server."""

from __future__ import annotations

import io
import re
import typing as t
from pathlib import Path

import httpx
import pytest
from whisperd_client import Client
from whisperd_client.api.audio import create_transcription, create_translation
from whisperd_client.api.models import list_models
from whisperd_client.api.operations import get_health
from whisperd_client.models import (
    CreateTranscriptionRequest,
    CreateTranscriptionResponseJson,
    CreateTranscriptionResponseVerboseJson,
    CreateTranslationRequest,
    CreateTranslationResponseJson,
    CreateTranslationResponseVerboseJson,
    ErrorResponse,
    TimestampGranularity,
    TokenLogprob,
    TranscriptionInclude,
    TranscriptionResponseFormat,
    TranscriptTextDeltaEvent,
    TranscriptTextDoneEvent,
    TranslationResponseFormat,
    VadConfig,
    VadConfigType,
)
from whisperd_client.models.create_transcription_request_chunking_strategy_type_0 import (
    CreateTranscriptionRequestChunkingStrategyType0 as ChunkingAuto,
)
from whisperd_client.types import File

from clients.tests.conftest import Speech, assert_all_words, assert_translated
from tests.support.paths import shared_path
from whisperd_helpers import (
    WhisperdError,
    stream_transcription,
    stream_translation,
    transcribe_text,
    translate_text,
    unwrap,
)

SRT_CUE = re.compile(r"^\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}$", re.M)


@pytest.fixture()
def client(base_url: str) -> t.Iterator[Client]:
    with Client(
        base_url=base_url, timeout=httpx.Timeout(300), raise_on_unexpected_status=True
    ) as c:
        yield c


def upload(path: Path) -> File:
    return File(payload=io.BytesIO(path.read_bytes()), file_name=path.name)


def english(speech: Speech, **fields: t.Any) -> CreateTranscriptionRequest:
    return CreateTranscriptionRequest(file=upload(speech.english.path), model="whisper-1", **fields)


def german(speech: Speech, **fields: t.Any) -> CreateTranslationRequest:
    return CreateTranslationRequest(file=upload(speech.german.path), model="whisper-1", **fields)


def test_transcribes_into_json(client: Client, speech: Speech) -> None:
    result = create_transcription.sync(client=client, body=english(speech))
    assert isinstance(result, CreateTranscriptionResponseJson)
    assert_all_words(result.text)
    assert result.usage and result.usage.seconds > 0


def test_transcribes_an_mp3(client: Client, speech: Speech) -> None:
    body = CreateTranscriptionRequest(file=upload(speech.english_mp3), model="whisper-1")
    result = unwrap(create_transcription.sync_detailed(client=client, body=body))
    assert isinstance(result, CreateTranscriptionResponseJson)
    assert_all_words(result.text)


def test_transcribes_into_verbose_json_with_words(client: Client, speech: Speech) -> None:
    body = english(
        speech,
        response_format=TranscriptionResponseFormat.VERBOSE_JSON,
        timestamp_granularities=[TimestampGranularity.WORD, TimestampGranularity.SEGMENT],
    )
    result = create_transcription.sync(client=client, body=body)
    assert isinstance(result, CreateTranscriptionResponseVerboseJson)
    assert result.language == "english"
    assert_all_words(result.text)
    assert result.segments and result.words, "both granularities were asked for"
    assert len(result.words) >= 3
    for word in result.words:
        assert 0 <= word.start <= word.end <= result.duration + 0.5, word


def test_transcribes_with_logprobs(client: Client, speech: Speech) -> None:
    body = english(speech, include=[TranscriptionInclude.LOGPROBS])
    result = create_transcription.sync(client=client, body=body)
    assert isinstance(result, CreateTranscriptionResponseJson)
    assert result.logprobs and all(isinstance(item, TokenLogprob) for item in result.logprobs)
    assert all(item.logprob <= 0 for item in result.logprobs)
    assert "".join(item.token for item in result.logprobs).strip() == result.text.strip()


def test_transcribes_into_srt(client: Client, speech: Speech) -> None:
    srt = transcribe_text(client, english(speech, response_format=TranscriptionResponseFormat.SRT))
    assert srt.startswith("1\n") and SRT_CUE.search(srt), srt
    assert_all_words(srt)


def test_transcribes_into_text_with_vad_chunking(client: Client, speech: Speech) -> None:
    body = english(
        speech,
        response_format=TranscriptionResponseFormat.TEXT,
        chunking_strategy=VadConfig(type_=VadConfigType.SERVER_VAD, threshold=0.4),
    )
    text = transcribe_text(client, body)
    assert text.endswith("\n") and not text.startswith("{"), text
    assert_all_words(text)


def test_transcribes_with_chunking_auto(client: Client, speech: Speech) -> None:
    body = english(
        speech,
        response_format=TranscriptionResponseFormat.VTT,
        chunking_strategy=ChunkingAuto.AUTO,
    )
    vtt = transcribe_text(client, body)
    assert vtt.startswith("WEBVTT\n\n"), vtt
    assert_all_words(vtt)


def test_streams_deltas_that_add_up(client: Client, speech: Speech) -> None:
    events = list(stream_transcription(client, english(speech)))
    deltas = [event for event in events if isinstance(event, TranscriptTextDeltaEvent)]
    assert deltas and isinstance(events[-1], TranscriptTextDoneEvent)
    assert events[:-1] == deltas, "one done event, last"
    assert "".join(event.delta for event in deltas).strip() == events[-1].text.strip()
    assert_all_words(events[-1].text)


def test_translates_german_into_english(client: Client, speech: Speech) -> None:
    result = create_translation.sync(client=client, body=german(speech))
    assert isinstance(result, CreateTranslationResponseJson)
    assert_translated(result.text)


def test_translates_into_verbose_json(client: Client, speech: Speech) -> None:
    body = german(speech, response_format=TranslationResponseFormat.VERBOSE_JSON)
    result = create_translation.sync(client=client, body=body)
    assert isinstance(result, CreateTranslationResponseVerboseJson)
    assert result.language == "english" and result.segments
    assert_translated(result.text)


def test_translates_into_text_and_as_a_stream(client: Client, speech: Speech) -> None:
    text = translate_text(client, german(speech, response_format=TranslationResponseFormat.TEXT))
    assert_translated(text)
    done = list(stream_translation(client, german(speech)))[-1]
    assert isinstance(done, TranscriptTextDoneEvent)
    assert_translated(done.text)


def test_bad_request_is_a_typed_error_response(client: Client, speech: Speech) -> None:
    response = create_transcription.sync_detailed(
        client=client, body=english(speech, language="xx")
    )
    assert response.status_code == 400
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error.code == "invalid_language_format"
    assert response.parsed.error.param == "language"


def test_bad_request_raises_whisperd_error(client: Client, speech: Speech) -> None:
    with pytest.raises(WhisperdError) as raised:
        unwrap(
            create_transcription.sync_detailed(client=client, body=english(speech, language="xx"))
        )
    assert raised.value.status_code == 400 and raised.value.code == "invalid_language_format"


def test_bad_text_request_raises_whisperd_error(client: Client, speech: Speech) -> None:
    body = english(speech, response_format=TranscriptionResponseFormat.SRT, temperature=3)
    with pytest.raises(WhisperdError) as raised:
        transcribe_text(client, body)
    assert raised.value.status_code == 400 and raised.value.param == "temperature"


def test_lists_models_and_health(client: Client) -> None:
    models = list_models.sync(client=client)
    assert models is not None and not isinstance(models, ErrorResponse)
    assert {"base", "whisper-1"} <= {model.id for model in models.data}
    health = get_health.sync(client=client)
    assert health is not None and health.queue.workers >= 1


@pytest.mark.shared
def test_transcribes_a_recorded_speech(client: Client) -> None:
    """Real recorded speech from ../shared (skips when absent): JFK's inaugural address."""
    clip = shared_path("audio/en_read/whisper.cpp__jfk.wav")
    body = CreateTranscriptionRequest(
        file=upload(clip),
        model="whisper-1",
        response_format=TranscriptionResponseFormat.VERBOSE_JSON,
        timestamp_granularities=[TimestampGranularity.WORD],
    )
    result = create_transcription.sync(client=client, body=body)
    assert isinstance(result, CreateTranscriptionResponseVerboseJson)
    assert "ask not what your country can do for you" in result.text.lower()
    assert result.words and result.words[-1].end <= result.duration + 0.5
