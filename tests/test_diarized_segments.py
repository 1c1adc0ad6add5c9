"""Whisper segments cut and labelled by speaker turns (whisperd.diarize.transcript)."""

from __future__ import annotations

from whisperd.diarize import Turn
from whisperd.diarize.transcript import speaker_segments
from whisperd.engine.transcribe import Segment, Word


def _segment(words: list[tuple[float, float, str]]) -> Segment:
    return Segment(
        id=0,
        seek=0,
        start=words[0][0],
        end=words[-1][1],
        text="".join(text for _, _, text in words),
        tokens=(),
        temperature=0.0,
        avg_logprob=0.0,
        compression_ratio=1.0,
        no_speech_prob=0.0,
        words=tuple(
            Word(word=text.strip(), start=a, end=b, probability=1.0, text=text)
            for a, b, text in words
        ),
    )


def test_segment_is_split_where_the_speaker_changes() -> None:
    segment = _segment([(0.0, 0.5, " Hello"), (0.5, 1.0, " there."), (1.4, 2.0, " Hi!")])
    turns = [Turn(0.0, 1.2, "A"), Turn(1.2, 2.0, "B")]
    out = speaker_segments([segment], turns)
    assert [(s.speaker, s.text) for s in out] == [("A", " Hello there."), ("B", " Hi!")]
    assert (out[1].start, out[1].end) == (1.4, 2.0)


def test_blank_segments_are_dropped() -> None:
    segment = _segment([(0.0, 0.5, " ")])
    assert speaker_segments([segment], [Turn(0.0, 1.0, "A")]) == []


def test_without_turns_everything_is_speaker_a() -> None:
    segment = _segment([(0.0, 0.5, " Hello"), (0.5, 1.0, " there.")])
    assert [s.speaker for s in speaker_segments([segment], [])] == ["A"]
