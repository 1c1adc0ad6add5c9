"""Check 2: every kind of answer the server gives validates against OpenAI's official
schemas (shared/openai/openai-audio-subset.yaml): each endpoint x response_format x
timestamp granularity x stream, include[]=logprobs, stream events one by one, and errors.

The official response objects allow extra keys, so each answer is also searched for keys
the official schema never declares; the few OpenAI itself sends are listed in
``OPENAI_SENDS_UNDECLARED`` with the recording that shows them.
"""

from __future__ import annotations

import concurrent.futures
import json
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from conformance.support import multipart, official, sse
from conformance.support.paths import FIXTURES, OFFICIAL_SPEC, SHARED_AUDIO, require
from tests.support.server import ServerProcess, start_server

TRANSCRIBE = "/v1/audio/transcriptions"
TRANSLATE = "/v1/audio/translations"
# Keys OpenAI's own answers carry although its schema does not declare them.
OPENAI_SENDS_UNDECLARED = {
    "/task": "verbose_json has task (every recorded whisper-1 verbose_json)",
    "/usage": "audio errors carry usage {type: duration, seconds: 0} (recorded 400)",
}


@dataclass(frozen=True)
class Answer:
    """A request whose 200 answer must validate against one official schema."""

    path: str
    fields: dict[str, t.Any]
    schema: str | None  # None: a text format (must not be JSON)
    media_type: str
    expect_keys: tuple[str, ...] = ()
    forbid_keys: tuple[str, ...] = ()
    note: str = ""
    id: str = field(default="")


def _id(answer: Answer) -> str:
    return answer.id or "{}:{}".format(
        answer.path.rsplit("/", 1)[-1],
        ",".join(f"{k}={v}" for k, v in answer.fields.items()) or "default",
    )


GRAN = "timestamp_granularities[]"
ANSWERS = [
    Answer(
        TRANSCRIBE, {}, "CreateTranscriptionResponseJson", "application/json", ("text", "usage")
    ),
    Answer(
        TRANSCRIBE,
        {"response_format": "json"},
        "CreateTranscriptionResponseJson",
        "application/json",
    ),
    Answer(
        TRANSCRIBE,
        {"include[]": "logprobs"},
        "CreateTranscriptionResponseJson",
        "application/json",
        ("logprobs",),
    ),
    Answer(
        TRANSCRIBE,
        {"response_format": "verbose_json"},
        "CreateTranscriptionResponseVerboseJson",
        "application/json",
        ("language", "duration", "segments"),
        ("words",),
    ),
    Answer(
        TRANSCRIBE,
        {"response_format": "verbose_json", GRAN: ["segment"]},
        "CreateTranscriptionResponseVerboseJson",
        "application/json",
        ("segments",),
        ("words",),
    ),
    Answer(
        TRANSCRIBE,
        {"response_format": "verbose_json", GRAN: ["word"]},
        "CreateTranscriptionResponseVerboseJson",
        "application/json",
        ("words",),
        ("segments",),
    ),
    Answer(
        TRANSCRIBE,
        {"response_format": "verbose_json", GRAN: ["word", "segment"]},
        "CreateTranscriptionResponseVerboseJson",
        "application/json",
        ("words", "segments"),
    ),
    Answer(TRANSCRIBE, {"response_format": "text"}, None, "text/plain"),
    Answer(TRANSCRIBE, {"response_format": "srt"}, None, "text/plain"),
    Answer(TRANSCRIBE, {"response_format": "vtt"}, None, "text/plain"),
    Answer(
        TRANSCRIBE,
        {"stream": "true"},
        "CreateTranscriptionResponseStreamEvent",
        "text/event-stream",
    ),
    Answer(
        TRANSCRIBE,
        {"stream": "true", "include[]": "logprobs"},
        "CreateTranscriptionResponseStreamEvent",
        "text/event-stream",
        ("logprobs",),
    ),
    Answer(TRANSLATE, {}, "CreateTranslationResponseJson", "application/json", ("text",)),
    Answer(
        TRANSLATE,
        {"response_format": "verbose_json"},
        "CreateTranslationResponseVerboseJson",
        "application/json",
        ("language", "duration", "segments"),
    ),
    Answer(TRANSLATE, {"response_format": "text"}, None, "text/plain"),
    Answer(TRANSLATE, {"response_format": "srt"}, None, "text/plain"),
    Answer(TRANSLATE, {"response_format": "vtt"}, None, "text/plain"),
    Answer(
        TRANSLATE,
        {"stream": "true"},
        "CreateTranscriptionResponseStreamEvent",
        "text/event-stream",
        note="an extension (OpenAI streams no translation): checked with transcription events",
    ),
]
EVENT_SCHEMAS = {
    "transcript.text.delta": "TranscriptTextDeltaEvent",
    "transcript.text.done": "TranscriptTextDoneEvent",
}


@pytest.fixture(scope="module", autouse=True)
def official_contract() -> None:
    require(OFFICIAL_SPEC)


@pytest.fixture(scope="module")
def english_audio() -> Path:
    """The audio OpenAI's own recordings used (1.7 s, "Hello, world! This is a test.")."""
    return require(FIXTURES / "audio" / "openai-dotnet__audio_hello_world.mp3")


@pytest.fixture(scope="module")
def german_audio() -> Path:
    return require(SHARED_AUDIO / "multilingual" / "leopard__test_de.wav")


def send(
    base_url: str, path: str, audio: Path | None, fields: dict[str, t.Any], **kwargs: t.Any
) -> httpx.Response:
    data = {"model": "whisper-1", **fields}
    if audio is None:  # still a multipart form, as an SDK would send it, only without the file
        parts = [
            multipart.Part((f'Content-Disposition: form-data; name="{k}"',), str(v).encode())
            for k, v in data.items()
        ]
        boundary = "conformance-no-file"
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            **kwargs.pop("headers", {}),
        }
        content = multipart.encode(parts, boundary)
        return httpx.post(
            f"{base_url}{path}", content=content, headers=headers, timeout=300, **kwargs
        )
    files = {"file": (audio.name, audio.read_bytes())}
    return httpx.post(f"{base_url}{path}", data=data, files=files, timeout=300, **kwargs)


def assert_official(schema: str, instance: t.Any) -> None:
    problems = official.errors(schema, instance)
    assert not problems, f"violates the official {schema}: {problems}"
    undeclared = [
        key
        for key in official.undeclared_keys(schema, instance)
        if key not in OPENAI_SENDS_UNDECLARED
    ]
    assert not undeclared, f"keys the official {schema} does not declare: {undeclared}"


@pytest.mark.parametrize("answer", ANSWERS, ids=_id)
def test_answer_matches_the_official_schema(
    answer: Answer, base_url: str, english_audio: Path, german_audio: Path
) -> None:
    audio = german_audio if answer.path == TRANSLATE else english_audio
    response = send(base_url, answer.path, audio, answer.fields)
    assert response.status_code == 200, response.text
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type == answer.media_type
    if answer.media_type == "text/plain":
        assert "json" not in response.headers["content-type"]
        assert response.text.strip(), "an empty transcript"
        with pytest.raises(ValueError):
            json.loads(response.text)  # the SDKs return these as str: they must not be JSON
        return
    if answer.media_type == "text/event-stream":
        check_stream(response.content, answer)
        return
    body = response.json()
    assert answer.schema is not None
    assert_official(answer.schema, body)
    for key in answer.expect_keys:
        assert key in body, f"{key} missing"
    for key in answer.forbid_keys:
        assert key not in body, f"{key} present but not asked for"


def check_stream(content: bytes, answer: Answer) -> None:
    stream = sse.parse(content)
    assert stream.ends_with_done, "the stream does not end with data: [DONE]"
    assert not stream.other_fields, f"non-data SSE fields: {stream.other_fields}"
    events = stream.events
    types = [event["type"] for event in events]
    assert (
        types and types[-1] == "transcript.text.done" and types.count("transcript.text.done") == 1
    ), types
    assert all(kind == "transcript.text.delta" for kind in types[:-1]), types
    for index, event in enumerate(events):
        assert_official("CreateTranscriptionResponseStreamEvent", event)
        try:
            assert_official(EVENT_SCHEMAS[event["type"]], event)
        except AssertionError as problem:
            raise AssertionError(f"event {index}: {problem}") from None
    for key in answer.expect_keys:
        assert all(key in event for event in events), f"{key} missing from an event"
    assert "".join(event["delta"] for event in events[:-1]) == events[-1]["text"]


# --- Errors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    id: str
    status: int
    send: t.Callable[[str, Path], httpx.Response]
    code: str | None = None  # expected error.code, when OpenAI's is known


def _post_json(base_url: str, _: Path) -> httpx.Response:
    return httpx.post(f"{base_url}{TRANSCRIBE}", json={"model": "whisper-1"}, timeout=60)


def _oversized(base_url: str, audio: Path) -> httpx.Response:
    big = b"\0" * (26 * 1024 * 1024)
    return httpx.post(
        f"{base_url}{TRANSCRIBE}",
        data={"model": "whisper-1"},
        files={"file": ("big.wav", big)},
        timeout=120,
    )


REFUSALS = [
    Refusal("missing-file", 400, lambda url, a: send(url, TRANSCRIBE, None, {})),
    Refusal(
        "missing-model",
        400,
        lambda url, a: httpx.post(f"{url}{TRANSCRIBE}", files={"file": (a.name, a.read_bytes())}),
    ),
    Refusal(
        "invalid-language",
        400,
        lambda url, a: send(url, TRANSCRIBE, a, {"language": "this should cause an error"}),
        "invalid_language_format",
    ),
    Refusal(
        "diarize-model-srt",
        400,
        lambda url, a: send(
            url, TRANSCRIBE, a, {"model": "gpt-4o-transcribe-diarize", "response_format": "srt"}
        ),
        "unsupported_value",
    ),
    Refusal(
        "granularity-without-verbose_json",
        400,
        lambda url, a: send(url, TRANSCRIBE, a, {GRAN: "word"}),
    ),
    Refusal(
        "unknown-model",
        404,
        lambda url, a: send(url, TRANSCRIBE, a, {"model": "no-such-model"}),
        "model_not_found",
    ),
    Refusal(
        "not-audio",
        400,
        lambda url, a: httpx.post(
            f"{url}{TRANSCRIBE}",
            data={"model": "whisper-1"},
            files={"file": ("notes.mp3", b"not audio at all" * 64)},
        ),
    ),
    Refusal(
        "audio-too-short",
        400,
        lambda url, a: httpx.post(
            f"{url}{TRANSCRIBE}", data={"model": "whisper-1"}, files={"file": ("empty.wav", b"")}
        ),
        "audio_too_short",
    ),
    Refusal("translation-missing-file", 400, lambda url, a: send(url, TRANSLATE, None, {})),
    Refusal("json-body", 415, _post_json),
    Refusal("upload-over-25-MiB", 413, _oversized),
    Refusal("unknown-route", 404, lambda url, a: httpx.get(f"{url}/v1/audio/speech-to-nowhere")),
    Refusal("wrong-method", 405, lambda url, a: httpx.get(f"{url}{TRANSCRIBE}")),
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda refusal: refusal.id)
def test_error_is_the_official_envelope(
    refusal: Refusal, base_url: str, english_audio: Path
) -> None:
    response = refusal.send(base_url, english_audio)
    assert_error(response, refusal.status, refusal.code)


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/json"
    body = response.json()
    assert_official("ErrorResponse", body)
    if code is not None:
        assert body["error"]["code"] == code


@pytest.fixture(scope="module")
def guarded_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    """A second server with an API key and room for one waiting request (401 and 429)."""
    server = start_server(
        tmp_path_factory,
        model_cache_dir,
        "--model",
        "tiny.en",
        "--api-key",
        "sk-conformance",
        "--workers",
        "1",
        "--batch-requests",
        "1",
        "--max-queue",
        "1",
    )
    yield server
    server.stop()


@pytest.mark.parametrize("key", [None, "sk-wrong"], ids=["no-key", "wrong-key"])
def test_unauthorized_is_the_official_envelope(
    key: str | None, guarded_server: ServerProcess, english_audio: Path
) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = send(guarded_server.base_url, TRANSCRIBE, english_audio, {}, headers=headers)
    assert_error(response, 401)


def test_too_many_requests_is_the_official_envelope(guarded_server: ServerProcess) -> None:
    long_audio = require(SHARED_AUDIO / "multilingual" / "AudioToText__french.wav")
    headers = {"Authorization": "Bearer sk-conformance"}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [
            pool.submit(send, guarded_server.base_url, TRANSCRIBE, long_audio, {}, headers=headers)
            for _ in range(4)
        ]
        responses = [future.result() for future in futures]
    refused = [response for response in responses if response.status_code == 429]
    assert refused, [response.status_code for response in responses]
    assert_error(refused[0], 429)
    assert int(refused[0].headers["retry-after"]) >= 1  # the official TooManyRequests header
