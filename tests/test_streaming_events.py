"""Delta events: concatenated, they are exactly the final text."""

from __future__ import annotations

from whisperd.api.events import DeltaStream, done_event
from whisperd.engine.logprobs import TokenLogprob
from whisperd.engine.transcribe import Segment, Transcript, TranscriptInfo
from whisperd.http.sse import frame


def seg(
    text: str, logprobs: tuple[TokenLogprob, ...] = (), token_bytes: tuple[bytes, ...] = ()
) -> Segment:
    return Segment(0, 0, 0.0, 1.0, text, (1, 2), 0.0, -0.1, 1.0, 0.0, (), logprobs, token_bytes)


def deltas_of(texts: list[str], include_logprobs: bool = False) -> list[dict[str, object]]:
    stream = DeltaStream(include_logprobs=include_logprobs)
    return [event for text in texts for event in stream.events(seg(text))]


def test_deltas_join_to_stripped_text() -> None:
    texts = [" And so my fellow Americans,", " ask not", " what your country can do.  "]
    events = deltas_of(texts)
    joined = "".join(str(event["delta"]) for event in events)
    assert joined == "".join(texts).strip()
    assert str(events[0]["delta"]) == "And"


def test_whitespace_only_segment_emits_nothing() -> None:
    assert deltas_of(["   "]) == []


def test_text_without_spaces_streams_whole() -> None:
    events = deltas_of(["客観的実在の判断的知識が成立するのである。"])
    assert "".join(str(e["delta"]) for e in events) == "客観的実在の判断的知識が成立するのである。"


def test_deltas_are_tokens_as_openai_sends_them() -> None:
    pieces = (b" Hello", b" world", b",", b" this", b" is", b" a", b" test", b".")
    stream = DeltaStream()
    events = stream.events(seg(" Hello world, this is a test.", token_bytes=pieces))
    deltas = [e["delta"] for e in events]
    assert deltas == ["Hello", " world", ",", " this", " is", " a", " test", "."]


def test_tokens_that_do_not_rebuild_the_text_fall_back_to_words() -> None:
    events = DeltaStream().events(seg(" Hello world.", token_bytes=(b" Hallo",)))
    assert [e["delta"] for e in events] == ["Hello", " world."]


def test_logprob_deltas_follow_tokens_and_keep_split_characters_together() -> None:
    ko = "그".encode()
    tokens = (
        TokenLogprob(" a", -0.1, (32, 97)),
        TokenLogprob("\ufffd", -0.2, tuple(ko[:2])),
        TokenLogprob("\ufffd", -0.3, tuple(ko[2:])),
    )
    stream = DeltaStream(include_logprobs=True)
    events = stream.events(seg(" a그", tokens))
    assert [e["delta"] for e in events] == ["a", "그"]
    assert [len(e["logprobs"]) for e in events] == [1, 2]  # type: ignore[arg-type]


def test_done_event_reports_token_usage() -> None:
    info = TranscriptInfo("transcribe", "en", 1.0, duration=2.0, prompt_tokens=3)
    transcript = Transcript(
        info, [Segment(0, 0, 0.0, 2.0, " Hi.", (50364, 17155, 13, 50464), 0.0, -0.1, 1.0, 0.0)]
    )
    event = done_event(transcript, include_logprobs=False)
    assert event["text"] == "Hi."
    usage = event["usage"]
    assert usage == {
        "type": "tokens",
        "total_tokens": 25,
        "input_tokens": 23,
        "input_token_details": {"text_tokens": 3, "audio_tokens": 20},
        "output_tokens": 2,
    }
    assert list(usage) == ["type", "total_tokens", "input_tokens", "input_token_details",
                           "output_tokens"]  # fmt: skip


def test_frame_is_one_data_line_and_a_blank_line_with_crlf() -> None:
    assert frame({"type": "x"}) == b'data: {"type":"x"}\r\n\r\n'
