from __future__ import annotations

from whisperd.diarize.assign import Segment, Word, assign_speakers, speaker_of
from whisperd.diarize.diarizer import Turn

TURNS = [Turn(0.0, 2.0, "A"), Turn(2.0, 5.0, "B"), Turn(6.0, 8.0, "A")]


def test_speaker_with_most_overlap_wins() -> None:
    assert speaker_of(TURNS, 1.5, 3.0) == "B"
    assert speaker_of(TURNS, 1.0, 2.4) == "A"


def test_a_word_in_a_gap_takes_the_nearest_turn() -> None:
    assert speaker_of(TURNS, 5.1, 5.3) == "B"
    assert speaker_of(TURNS, 5.8, 5.9) == "A"


def test_no_turns_gives_none() -> None:
    assert speaker_of([], 0.0, 1.0) is None


def test_segment_is_split_where_the_words_change_speaker() -> None:
    words = (Word(0.2, 0.8, " Hello"), Word(0.9, 1.5, " there."), Word(2.2, 2.9, " Hi!"))
    out = assign_speakers([Segment(0.2, 2.9, " Hello there. Hi!", words)], TURNS)
    assert [(s.speaker, s.text) for s in out] == [("A", " Hello there."), ("B", " Hi!")]
    assert (out[0].start, out[0].end, out[1].start, out[1].end) == (0.2, 1.5, 2.2, 2.9)


def test_segment_without_words_keeps_its_bounds() -> None:
    out = assign_speakers([Segment(1.8, 4.0, " Hi there.")], TURNS)
    assert [(s.start, s.end, s.speaker) for s in out] == [(1.8, 4.0, "B")]


def test_without_turns_everything_is_the_unknown_label() -> None:
    out = assign_speakers([Segment(0.0, 1.0, " Hi.")], [])
    assert out[0].speaker == "A"
