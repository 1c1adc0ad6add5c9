"""Check 4: the official SDKs, unchanged, as clients: the openai Python SDK with strict
response validation (its pydantic models must accept every answer) and the openai Node SDK
(node/sdk-check.mjs), each calling every endpoint, format and stream combination, plus a
streaming loop and errors that must come back as the SDK's typed exceptions.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import typing as t
from dataclasses import dataclass

import openai
import pytest
from openai.types.audio import (
    Transcription,
    TranscriptionTextDeltaEvent,
    TranscriptionTextDoneEvent,
    TranscriptionVerbose,
    Translation,
    TranslationVerbose,
)

from conformance.support.paths import NODE_DIR
from tests.support.audio import GeneratedAudio

VAD = {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 200}


@pytest.fixture(scope="module")
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{base_url}/v1",
        api_key="unused",
        max_retries=0,
        timeout=300,
        _strict_response_validation=True,
    )


@dataclass(frozen=True)
class Call:
    id: str
    endpoint: str  # "transcriptions" | "translations"
    params: dict[str, t.Any]
    returns: type | tuple[type, ...]


CALLS = [
    Call("transcription-json", "transcriptions", {}, Transcription),
    Call("transcription-json-logprobs", "transcriptions", {"include": ["logprobs"]}, Transcription),
    Call(
        "transcription-verbose_json",
        "transcriptions",
        {"response_format": "verbose_json"},
        TranscriptionVerbose,
    ),
    Call(
        "transcription-verbose_json-segments",
        "transcriptions",
        {"response_format": "verbose_json", "timestamp_granularities": ["segment"]},
        TranscriptionVerbose,
    ),
    Call(
        "transcription-verbose_json-words",
        "transcriptions",
        {"response_format": "verbose_json", "timestamp_granularities": ["word"]},
        TranscriptionVerbose,
    ),
    Call(
        "transcription-verbose_json-words+segments",
        "transcriptions",
        {"response_format": "verbose_json", "timestamp_granularities": ["word", "segment"]},
        TranscriptionVerbose,
    ),
    Call("transcription-text", "transcriptions", {"response_format": "text"}, str),
    Call("transcription-srt", "transcriptions", {"response_format": "srt"}, str),
    Call("transcription-vtt", "transcriptions", {"response_format": "vtt"}, str),
    Call(
        "transcription-options",
        "transcriptions",
        {"language": "en", "prompt": "A short test.", "temperature": 0.2, "chunking_strategy": VAD},
        Transcription,
    ),
    Call(
        "transcription-chunking-auto",
        "transcriptions",
        {"chunking_strategy": "auto"},
        Transcription,
    ),
    Call("translation-json", "translations", {}, Translation),
    Call(
        "translation-verbose_json",
        "translations",
        {"response_format": "verbose_json"},
        TranslationVerbose,
    ),
    Call("translation-text", "translations", {"response_format": "text"}, str),
    Call("translation-srt", "translations", {"response_format": "srt"}, str),
    Call("translation-vtt", "translations", {"response_format": "vtt"}, str),
]


@pytest.mark.parametrize("call", CALLS, ids=lambda call: call.id)
def test_python_sdk_parses(
    call: Call, client: openai.OpenAI, english_speech: GeneratedAudio, german_speech: GeneratedAudio
) -> None:
    audio = german_speech if call.endpoint == "translations" else english_speech
    create = getattr(client.audio, call.endpoint).create
    with open(audio.path, "rb") as handle:
        result = create(model="whisper-1", file=handle, **call.params)
    assert isinstance(result, call.returns), type(result)
    text = result if isinstance(result, str) else result.text
    assert text.strip()
    if isinstance(result, TranscriptionVerbose):
        asked = call.params.get("timestamp_granularities", ["segment"])
        assert (result.words is not None) == ("word" in asked)
        assert (result.segments is not None) == ("segment" in asked)
    if call.params.get("include"):
        assert isinstance(result, Transcription) and result.logprobs


@pytest.mark.parametrize("include", [[], ["logprobs"]], ids=["plain", "logprobs"])
def test_python_sdk_streaming_loop(
    client: openai.OpenAI, english_speech: GeneratedAudio, include: list[str]
) -> None:
    with open(english_speech.path, "rb") as handle:
        stream = client.audio.transcriptions.create(
            model="whisper-1", file=handle, stream=True, include=include
        )
        events = []
        for event in stream:
            events.append(event)
    *deltas, done = events
    assert deltas and all(isinstance(event, TranscriptionTextDeltaEvent) for event in deltas)
    assert isinstance(done, TranscriptionTextDoneEvent)
    assert "".join(event.delta for event in deltas) == done.text
    assert done.usage is not None and done.usage.type == "tokens"
    if include:
        assert all(event.logprobs for event in deltas) and done.logprobs


def test_python_sdk_async_streaming_loop(base_url: str, english_speech: GeneratedAudio) -> None:
    import asyncio

    async def run() -> str:
        async with openai.AsyncOpenAI(
            base_url=f"{base_url}/v1",
            api_key="unused",
            max_retries=0,
            _strict_response_validation=True,
        ) as client:
            stream = await client.audio.transcriptions.create(
                model="whisper-1", file=english_speech.path, stream=True
            )
            text = ""
            async for event in stream:
                if event.type == "transcript.text.done":
                    return event.text
                text += event.delta
            raise AssertionError(f"no done event after {text!r}")

    assert asyncio.run(run()).strip()


def test_python_sdk_models(client: openai.OpenAI) -> None:
    ids = [model.id for model in client.models.list()]
    assert {"whisper-1", "base"} <= set(ids)
    assert client.models.retrieve("whisper-1").id == "whisper-1"


@pytest.mark.parametrize(
    ("params", "error", "code"),
    [
        (
            {"language": "this should cause an error"},
            openai.BadRequestError,
            "invalid_language_format",
        ),
        (
            {"model": "gpt-4o-transcribe-diarize", "response_format": "srt"},
            openai.BadRequestError,
            "unsupported_value",
        ),
        ({"model": "no-such-model"}, openai.NotFoundError, "model_not_found"),
    ],
    ids=["400-invalid-language", "400-diarize-srt", "404-unknown-model"],
)
def test_python_sdk_raises_typed_errors(
    client: openai.OpenAI,
    english_speech: GeneratedAudio,
    params: dict[str, str],
    error: type,
    code: str,
) -> None:
    arguments = {"model": "whisper-1", **params}
    with open(english_speech.path, "rb") as handle, pytest.raises(error) as raised:
        client.audio.transcriptions.create(file=handle, **arguments)
    assert raised.value.code == code


# --- The Node SDK ---------------------------------------------------------------------------

NODE_CASES = [
    "transcription json",
    "transcription json logprobs",
    "transcription verbose_json",
    "transcription verbose_json words",
    "transcription verbose_json words+segments",
    "transcription text",
    "transcription srt",
    "transcription vtt",
    "transcription options",
    "transcription stream loop",
    "transcription stream logprobs",
    "translation json",
    "translation verbose_json",
    "translation text",
    "translation srt",
    "translation vtt",
    "models list and retrieve",
    "error 400 is BadRequestError",
    "error 404 is NotFoundError",
]


@pytest.fixture(scope="module")
def node_results(
    base_url: str, english_speech: GeneratedAudio, german_speech: GeneratedAudio
) -> dict[str, t.Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (NODE_DIR / "node_modules" / "openai").exists():
        pytest.skip(
            "the openai Node SDK is not installed: "
            "run `make conformance` (npm ci in conformance/node)"
        )
    completed = subprocess.run(
        [node, "sdk-check.mjs", base_url, str(english_speech.path), str(german_speech.path)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return {row["name"]: row for row in json.loads(completed.stdout)}


@pytest.mark.parametrize("name", NODE_CASES)
def test_node_sdk(name: str, node_results: dict[str, t.Any]) -> None:
    assert name in node_results, f"sdk-check.mjs did not run {name!r}"
    row = node_results[name]
    assert row["ok"], row.get("error")


def test_node_sdk_ran_nothing_unlisted(node_results: dict[str, t.Any]) -> None:
    assert sorted(node_results) == sorted(NODE_CASES)
