"""Response renderers: OpenAI's exact bytes, checked on hand-built transcripts."""

from __future__ import annotations

import json

import pytest
from whisperd.api.formats import (
    f32,
    render,
    srt_body,
    srt_timestamp,
    vtt_body,
    vtt_timestamp,
)
from whisperd.api.plan import RenderOptions
from whisperd.engine.logprobs import TokenLogprob
from whisperd.engine.transcribe import Segment, Transcript, TranscriptInfo, Word

from tests.support.paths import shared_path

FIXTURES = "openai/fixtures/responses"


def segment(index: int, start: float, end: float, text: str, **extra: object) -> Segment:
    return Segment(
        id=index,
        seek=0,
        start=start,
        end=end,
        text=text,
        tokens=(50364, 2425, 50464),
        temperature=0.0,
        avg_logprob=-0.5018765926361084,
        compression_ratio=0.8285714387893677,
        no_speech_prob=0.002052504802122712,
        **extra,  # type: ignore[arg-type]
    )


def hello_world(task: str = "transcribe") -> Transcript:
    info = TranscriptInfo(task=task, language="en", language_probability=1.0, duration=1.7)
    words = (Word("Hello", 0.0, 0.32, 0.9), Word("world", 0.32, 0.62, 0.9))
    return Transcript(info, [segment(0, 0.0, 2.0, " Hello, world! This is a test.", words=words)])


def test_json_matches_openai_bytes() -> None:
    body, media_type = render(hello_world(), RenderOptions("json"))
    expected = b'{"text":"Hello, world! This is a test.","usage":{"type":"duration","seconds":2}}'
    assert body == expected
    assert media_type == "application/json"


def test_json_usage_in_tokens_as_openai_reports_it_for_gpt_4o() -> None:
    body, _ = render(hello_world(), RenderOptions("json", token_usage=True))
    usage = json.loads(body)["usage"]
    # OpenAI, 1.70 s: {"type":"tokens","total_tokens":28,"input_tokens":17,...}
    assert list(usage) == ["type", "total_tokens", "input_tokens", "input_token_details",
                           "output_tokens"]  # fmt: skip
    assert usage["input_tokens"] == 17 and usage["input_token_details"]["audio_tokens"] == 17


def test_json_of_translation_has_no_usage() -> None:
    body, _ = render(hello_world("translate"), RenderOptions("json"))
    assert json.loads(body) == {"text": "Hello, world! This is a test."}


def test_text_is_text_and_one_newline() -> None:
    body, media_type = render(hello_world(), RenderOptions("text"))
    assert body == b"Hello, world! This is a test.\n"
    assert media_type == "text/plain; charset=utf-8"


def test_srt_framing_matches_openai_fixture() -> None:
    expected = shared_path(f"{FIXTURES}/transcriptions__whisper-1__srt__openai-dotnet-2025-09.srt")
    body, _ = render(hello_world(), RenderOptions("srt"))
    assert body == expected.read_bytes()


def test_vtt_framing_matches_openai_fixture() -> None:
    expected = shared_path(f"{FIXTURES}/transcriptions__whisper-1__vtt__openai-dotnet-2025-09.vtt")
    body, _ = render(hello_world(), RenderOptions("vtt"))
    assert body == expected.read_bytes()


def test_text_matches_openai_fixture() -> None:
    expected = shared_path(f"{FIXTURES}/transcriptions__whisper-1__text__openai-dotnet-2025-09.txt")
    body, _ = render(hello_world(), RenderOptions("text"))
    assert body == expected.read_bytes()


def test_srt_numbers_cues_and_ends_with_extra_newline() -> None:
    segments = [segment(0, 0.0, 11.0, " First."), segment(1, 11.0, 20.5, " Second.")]
    assert srt_body(segments) == (
        "1\n00:00:00,000 --> 00:00:11,000\nFirst.\n\n"
        "2\n00:00:11,000 --> 00:00:20,500\nSecond.\n\n\n"
    )


def test_vtt_of_no_segments_is_header_only() -> None:
    assert vtt_body([]) == "WEBVTT\n\n"


@pytest.mark.parametrize(
    ("seconds", "srt", "vtt"),
    [
        (0.0, "00:00:00,000", "00:00:00.000"),
        (1.4600000381469727, "00:00:01,460", "00:00:01.460"),
        (59.9996, "00:01:00,000", "00:01:00.000"),
        (3723.0004, "01:02:03,000", "01:02:03.000"),
        (0.0005, "00:00:00,001", "00:00:00.001"),
        (36000.25, "10:00:00,250", "10:00:00.250"),
    ],
)
def test_timestamps_round_to_nearest_millisecond(seconds: float, srt: str, vtt: str) -> None:
    assert srt_timestamp(seconds) == srt
    assert vtt_timestamp(seconds) == vtt


def test_vtt_escapes_markup_characters() -> None:
    body = vtt_body([segment(0, 0.0, 1.0, " Tom & Jerry <b>bold</b> --> next")])
    assert "Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt; -&gt; next" in body


def test_cue_text_never_breaks_a_cue() -> None:
    body = srt_body([segment(0, 0.0, 1.0, " line one\n\nline two --> three")])
    assert body == "1\n00:00:00,000 --> 00:00:01,000\nline one line two -> three\n\n\n"


def test_verbose_json_key_order_and_float32_values() -> None:
    body, _ = render(hello_world(), RenderOptions("verbose_json"))
    text = body.decode()
    assert text.startswith(
        '{"task":"transcribe","language":"english","duration":1.7000000476837158,'
    )
    data = json.loads(body)
    assert list(data) == ["task", "language", "duration", "text", "segments", "usage"]
    assert list(data["segments"][0]) == [
        "id", "seek", "start", "end", "text", "tokens", "temperature",
        "avg_logprob", "compression_ratio", "no_speech_prob",
    ]  # fmt: skip
    assert data["usage"] == {"type": "duration", "seconds": 2}


def test_verbose_json_words_only_has_no_segments_key() -> None:
    body, _ = render(hello_world(), RenderOptions("verbose_json", segments=False, words=True))
    data = json.loads(body)
    assert list(data) == ["task", "language", "duration", "text", "words", "usage"]
    assert data["words"][0] == {"word": "Hello", "start": 0.0, "end": f32(0.32)}
    assert data["words"][1]["start"] == 0.3199999928474426


def test_verbose_json_of_translation_is_english_without_usage() -> None:
    body, _ = render(hello_world("translate"), RenderOptions("verbose_json"))
    data = json.loads(body)
    assert data["task"] == "translate"
    assert data["language"] == "english"
    assert "usage" not in data and "words" not in data


def test_json_logprobs_list_tokens_with_bytes() -> None:
    transcript = hello_world()
    transcript.segments[0] = segment(
        0, 0.0, 2.0, " Hi.", logprobs=(TokenLogprob(" Hi", -0.25, (32, 72, 105)),)
    )
    body, _ = render(transcript, RenderOptions("json", logprobs=True))
    assert json.loads(body)["logprobs"] == [
        {"token": " Hi", "logprob": -0.25, "bytes": [32, 72, 105]}
    ]


def test_usage_seconds_round_up() -> None:
    info = TranscriptInfo(task="transcribe", language="en", language_probability=1.0, duration=3.01)
    body, _ = render(Transcript(info, []), RenderOptions("json"))
    assert json.loads(body) == {"text": "", "usage": {"type": "duration", "seconds": 4}}


def test_non_ascii_text_is_utf8_not_escaped() -> None:
    info = TranscriptInfo(task="transcribe", language="ja", language_probability=1.0, duration=1.0)
    body, _ = render(Transcript(info, [segment(0, 0.0, 1.0, "客観的実在")]), RenderOptions("json"))
    assert "客観的実在".encode() in body
