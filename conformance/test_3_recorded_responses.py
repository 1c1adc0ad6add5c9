"""Check 3: real OpenAI answers, recorded by public test suites, against ours.

Every fixture of shared/openai/fixtures/responses whose request can be sent again is sent,
byte for byte as it was recorded (same fields, file bytes and part headers: no part
Content-Type, an empty one, Windows paths, chunking_strategy as one JSON part...), and our
answer is compared with OpenAI's: status and content type; JSON keys, their order and value
types, SRT/VTT and SSE framing, event order, error envelope fields; and the transcript, by
word error rate. ``test_client_encodings`` sends some of the same requests as the Python
and Node SDKs encode them (bracket fields, ``application/octet-stream``, chunked bodies)
and expects the very same answer.

Fixtures we answer differently on purpose are listed in ``BY_DESIGN`` with the reason and
checked to get the documented answer instead; those we cannot replay are listed and skipped.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass

import pytest

from conformance.support import multipart, recorded, replay, shapes, sse
from conformance.support.paths import FIXTURES, RESPONSES
from conformance.support.report import Results
from tests.support.wer import word_error_rate

pytestmark = pytest.mark.skipif(
    not RESPONSES.exists(), reason=f"needs the shared test data: {RESPONSES} is missing"
)
NAMES = recorded.fixture_names()
# Audio whose recorded OpenAI transcript is right, so the word error rate is a fair measure;
# ruby-openai's sample is mumbled and whisper-1's transcript of it is garbled.
TRUSTED_REFERENCE = {
    "openai-dotnet__audio_hello_world.mp3",
    "ruby_llm__ruby.wav",
    "ruby_llm__ruby.2025-09-old.wav",
    "openai-dotnet__audio_meeting.wav",
}
MAX_WER = 0.35  # base against whisper-1/gpt-4o on clean short speech; catches garbage
DIARIZED = "diarized_json"
BY_DESIGN_DIARIZED_SHAPE = (
    "diarized_json: recorded before August 2026, when OpenAI's body had no task and duration; "
    "later recordings (and the SDKs, which require them) have both, and so do we"
)
BY_DESIGN_LATER_API = (
    "usage: recorded in 2023, before OpenAI added usage {type: duration, seconds} to json "
    "transcriptions; every later recording has it, and so do we"
)
# Known server bugs (/work/briefs/inbox-conformance.md): (fixture, aspect) -> reason;
# marked xfail(strict=True). None open.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def fixture(name: str) -> recorded.Fixture:
    return recorded.by_name(name)


def replayable(name: str) -> bool:
    try:
        recorded.recorded_request(fixture(name))
    except recorded.NotReplayable:
        return False
    return True


def _params(aspect: str, names: t.Iterable[str]) -> list[t.Any]:
    return [
        pytest.param(
            name, id=name, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[(name, aspect)])]
        )
        if (name, aspect) in KNOWN_BUGS
        else pytest.param(name, id=name)
        for name in names
    ]


REPLAYABLE = [name for name in NAMES if replayable(name)]
NOT_REPLAYABLE = [name for name in NAMES if name not in REPLAYABLE]
TRANSCRIBED = [name for name in REPLAYABLE if fixture(name).status == 200]


@pytest.mark.parametrize("name", NOT_REPLAYABLE)
def test_not_replayable_fixture_is_listed(name: str, results: Results) -> None:
    try:
        recorded.recorded_request(fixture(name))
    except recorded.NotReplayable as reason:
        why = str(reason)
    if "unsupported_format" in name:
        why += (
            "; and by design whisperd reads the bytes, not the declared name or type, so an "
            "m4a uploaded as audio.wav is transcribed (OpenAI's gpt-4o models answer 400 "
            "unsupported_format)"
        )
    results.note("listed", fixture=name, reason=f"not replayable: {why}")
    pytest.skip(f"not replayable: {why}")


@pytest.mark.parametrize("name", _params("status", REPLAYABLE))
def test_status_and_content_type(name: str, base_url: str, results: Results) -> None:
    item = fixture(name)
    ours = replay.answer(base_url, item)
    assert ours.status == item.status, ours.body[:300]
    assert _normalised(ours.content_type) == _normalised(item.content_type)


def _normalised(content_type: str) -> str:
    return content_type.replace(" ", "").lower()


@pytest.mark.parametrize("name", _params("shape", REPLAYABLE))
def test_body_shape(name: str, base_url: str, results: Results) -> None:
    item = fixture(name)
    ours = replay.answer(base_url, item)
    assert ours.status == item.status
    differences = shape_differences(item, ours.body, results)
    assert not differences, "\n".join(differences)


def shape_differences(item: recorded.Fixture, ours: bytes, results: Results) -> list[str]:
    if item.stream:
        return shapes.sse_differences(sse.parse(item.body()), sse.parse(ours))
    if item.content_type.startswith("application/json"):
        expected, actual = item.json(), json.loads(ours)
        if item.status != 200:
            return _error_differences(expected, actual)
        expected = _expected_by_design(item, expected, results)
        differences = shapes.json_differences(expected, actual)
        if str(item.response.get("body_fidelity", "")).startswith("byte-exact"):
            differences += shapes.serialisation_differences(item.body(), ours)
        return differences
    text = ours.decode("utf-8")
    if item.response_format == "srt":
        return shapes.srt_differences(item.body().decode("utf-8"), text)
    if item.response_format == "vtt":
        return shapes.vtt_differences(item.body().decode("utf-8"), text)
    return shapes.text_differences(item.body().decode("utf-8"), text)


def _expected_by_design(item: recorded.Fixture, expected: t.Any, results: Results) -> t.Any:
    """OpenAI's body, with the documented differences applied."""
    if item.response_format == DIARIZED and isinstance(expected, dict) and "task" not in expected:
        results.note(
            "listed",
            fixture=item.name,
            reason=f"compared with one difference: {BY_DESIGN_DIARIZED_SHAPE}",
        )
        text, rest = {"text": expected["text"]}, {k: v for k, v in expected.items() if k != "text"}
        return {**text, "task": "transcribe", "duration": 0.0, **rest}
    if item.endpoint == "transcriptions" and isinstance(expected, dict) and "usage" not in expected:
        results.note(
            "listed",
            fixture=item.name,
            reason=f"compared with one difference: {BY_DESIGN_LATER_API}",
        )
        return {**expected, "usage": {"type": "duration", "seconds": 0}}
    return expected


def _error_differences(expected: dict[str, t.Any], actual: dict[str, t.Any]) -> list[str]:
    differences = shapes.json_differences(expected, actual)
    for key in ("type", "param", "code", "message"):
        if expected["error"].get(key) != actual.get("error", {}).get(key):
            theirs, ours = expected["error"].get(key), actual.get("error", {}).get(key)
            differences.append(f"error.{key}: OpenAI {theirs!r}, ours {ours!r}")
    return differences


@pytest.mark.parametrize("name", _params("transcript", TRANSCRIBED))
def test_transcript_word_error_rate(name: str, base_url: str, results: Results) -> None:
    item = fixture(name)
    ours = replay.answer(base_url, item)
    assert ours.status == 200, ours.body[:300]
    fmt = item.response_format
    reference = replay.transcript(
        item.body(), item.content_type.split(";")[0], item.response_format
    )
    hypothesis = replay.transcript(ours.body, ours.media_type, fmt)
    rate = word_error_rate(reference, hypothesis)
    audio = recorded.audio_path(item).name
    trusted = audio in TRUSTED_REFERENCE and item.endpoint == "transcriptions"
    note = (
        ""
        if trusted
        else "reported, not asserted: "
        + (
            "translation (base translates modestly)"
            if item.endpoint == "translations"
            else "OpenAI's transcript is garbled"
        )
    )
    request = f"{item.endpoint} {item.response_format}{' stream' if item.stream else ''}"
    results.note(
        "wer", fixture=name, request=request, wer=rate, note=note, ours=hypothesis, openai=reference
    )
    assert hypothesis.strip(), "an empty transcript"
    if trusted:
        assert rate <= MAX_WER, f"WER {rate:.1%}: OpenAI {reference!r}, ours {hypothesis!r}"


# --- The same requests, encoded as other clients encode them -------------------------------


@dataclass(frozen=True)
class Encoding:
    id: str
    base: str  # the fixture whose recorded request and our answer to it are the reference
    client: t.Callable[[multipart.Fields, multipart.Upload], multipart.Body]
    upload_name: str | None = None  # a different filename
    fields: t.Callable[[recorded.Fixture], multipart.Fields] | None = None
    undiarized: bool = False


def _plain_fields(item: recorded.Fixture) -> multipart.Fields:
    """The fixture's text fields, less response_format=diarized_json."""
    fields = [(str(f["name"]), str(f["value"])) for f in item.fields or [] if "value" in f]
    return [
        (name, value) for name, value in fields if (name, value) != ("response_format", DIARIZED)
    ]


def _vad_as(style: str) -> t.Callable[[recorded.Fixture], multipart.Fields]:
    def fields(item: recorded.Fixture) -> multipart.Fields:
        out: list[tuple[str, str]] = []
        for name, value in _plain_fields(item):
            if name == "chunking_strategy" and value.startswith("{"):
                strategy = json.loads(value)
                out += (
                    multipart.bracket_fields(name, strategy)
                    if style == "brackets"
                    else [multipart.json_field(name, strategy)]
                )
            else:
                out.append((name, value))
        return out

    return fields


ENCODINGS = [
    Encoding(
        "node-sdk-json",
        "transcriptions__whisper-1__json__openai-dotnet-2025-09",
        multipart.node_sdk,
    ),
    Encoding(
        "node-sdk-stream",
        "transcriptions__gpt-4o-mini-transcribe__stream__openai-dotnet-2025-09",
        multipart.node_sdk,
    ),
    Encoding(
        "python-sdk-srt",
        "transcriptions__whisper-1__srt__openai-dotnet-2025-09",
        multipart.python_sdk,
    ),
    Encoding(
        "python-sdk-word-timestamps",
        "transcriptions__whisper-1__verbose_json_words-only__ruby_llm-2025-11",
        multipart.python_sdk,
    ),
    Encoding(
        "dotnet-sdk-windows-path",
        "transcriptions__whisper-1__json-default_language-en__ruby_llm-2026-08",
        multipart.dotnet_sdk,
        upload_name="C:\\Users\\me\\Music\\ruby.wav",
    ),
    Encoding(
        "python-sdk-vad-bracket-fields",
        "transcriptions__gpt-4o-transcribe-diarize__diarized_json_chunking-server_vad-a__openai-dotnet-2026-04",
        multipart.python_sdk,
        fields=_vad_as("brackets"),
        undiarized=True,
    ),
    Encoding(
        "node-sdk-vad-bracket-fields",
        "transcriptions__gpt-4o-transcribe-diarize__diarized_json_chunking-server_vad-b__openai-dotnet-2026-04",
        multipart.node_sdk,
        fields=_vad_as("brackets"),
        undiarized=True,
    ),
]


@pytest.mark.parametrize(
    "encoding", [e for e in ENCODINGS if e.base in REPLAYABLE], ids=lambda e: e.id
)
def test_client_encodings(encoding: Encoding, base_url: str) -> None:
    """The same request as another SDK encodes it gets the same answer, byte for byte."""
    item = fixture(encoding.base)
    reference = replay.answer(base_url, item, "undiarized" if encoding.undiarized else "recorded")
    audio = recorded.audio_path(item)
    upload = multipart.Upload(encoding.upload_name or audio.name, audio.read_bytes())
    fields = (encoding.fields or _plain_fields)(item)
    body = encoding.client(fields, upload)
    ours = replay.send_once(base_url, encoding.id, item.path, body)
    assert (ours.status, ours.content_type) == (reference.status, reference.content_type), (
        ours.body[:300]
    )
    assert ours.body == reference.body


# --- Error bodies quoted in issue threads (reported-errors.json): not recordings -----------

REPORTED_SITUATIONS: dict[str, tuple[str, bytes]] = {
    # reported id -> (uploaded file name, its bytes)
    "file-too-large-413-2023": ("big.mp3", b"\0" * (26 * 1024 * 1024 + 4096)),
    "file-too-large-413-2025": ("big.mp3", b"\0" * (26 * 1024 * 1024 + 4096)),
    "invalid-file-format-400": ("notes.mp3", b"these are not audio bytes\n" * 40),
    "unrecognized-file-format-400": ("notes.mp3", b"these are not audio bytes\n" * 40),
    "audio-too-short-400": ("empty.wav", b""),
}
# Where our envelope differs from the quoted one, and why that is accepted.
REPORTED_DIFFERENCES: dict[tuple[str, str], str] = {
    ("file-too-large-413-2023", "code"): "we add code payload_too_large (OpenAI: null)",
    ("file-too-large-413-2025", "code"): "we add code payload_too_large (OpenAI: null)",
    ("file-too-large-413-2025", "message"): "the 2025 report prefixes '413: '; we match 2023",
    ("file-too-large-413-2025", "usage"): "the 2025 report adds usage to the 413; we match 2023",
    ("invalid-file-format-400", "param"): "we name the file param (OpenAI: null)",
    ("unrecognized-file-format-400", "param"): "we name the file param (OpenAI: null)",
    ("unrecognized-file-format-400", "message"): "OpenAI words it 'Invalid' or 'Unrecognized'",
}
_LATER_USAGE = (
    "our 400 carries usage {type: duration, seconds: 0}, as OpenAI's recorded 2025 400 does; "
    "this quote is older or quotes only the error"
)
for _id in ("invalid-file-format-400", "unrecognized-file-format-400", "audio-too-short-400"):
    REPORTED_DIFFERENCES[(_id, "usage")] = _LATER_USAGE


def _reported() -> list[dict[str, t.Any]]:
    path = FIXTURES / "reported-errors.json"
    return list(json.loads(path.read_text(encoding="utf-8"))["items"]) if path.exists() else []


def _first_sentence(message: str) -> str:
    return re.sub(r"\d+", "N", message.split(". ")[0].split(":")[0] if message else "")


@pytest.mark.parametrize("item", _reported(), ids=lambda item: str(item["id"]))
def test_reported_error_envelope(item: dict[str, t.Any], base_url: str, results: Results) -> None:
    """Our answer to the situation an issue thread quoted OpenAI's error for: same status,
    type, param, code, usage and first sentence, but for the differences listed above."""
    if item["id"] not in REPORTED_SITUATIONS:
        reason = (
            "message only, no envelope to compare"
            if "type" not in item["body"]["error"]
            else "a gpt-4o model refusing a format or declared type; whisperd serves every "
            "format for every model and trusts the bytes (by design)"
        )
        results.note("listed", fixture=f"reported-errors.json#{item['id']}", reason=reason)
        pytest.skip(reason)
    filename, content = REPORTED_SITUATIONS[item["id"]]
    body = multipart.python_sdk([("model", "whisper-1")], multipart.Upload(filename, content))
    ours = body.send(base_url, "/v1/audio/transcriptions")
    assert ours.status == item["status"], ours.body[:300]
    theirs, mine = item["body"], json.loads(ours.body)
    found = {
        "type": (theirs["error"]["type"], mine["error"]["type"]),
        "param": (theirs["error"]["param"], mine["error"]["param"]),
        "code": (theirs["error"]["code"], mine["error"]["code"]),
        "usage": ("usage" in theirs, "usage" in mine),
        "message": (
            _first_sentence(theirs["error"]["message"]),
            _first_sentence(mine["error"]["message"]),
        ),
    }
    unexplained = []
    for key, (openai_value, our_value) in found.items():
        if openai_value == our_value:
            continue
        accepted = REPORTED_DIFFERENCES.get((item["id"], key))
        if accepted is None:
            unexplained.append(f"{key}: OpenAI {openai_value!r}, ours {our_value!r}")
        else:
            results.note("listed", fixture=f"reported-errors.json#{item['id']}", reason=accepted)
    assert not unexplained, "\n".join(unexplained)
