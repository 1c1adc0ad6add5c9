"""Deepgram's words from the core's, as pure functions: no model, no app."""

from __future__ import annotations

from whisperd.deepgram import results
from whisperd.live.agreement import TimedWord


def words(*pieces: tuple[str, float, float]) -> list[results.DgWord]:
    timed = [TimedWord(text, start, end, 0.9) for text, start, end in pieces]
    return results.dg_words(timed, written=lambda w: w.word)


def test_a_piece_after_a_hyphen_joins_its_word() -> None:
    out = words((" flower", 0.0, 0.4), ("-fattened", 0.4, 0.9), (" fields.", 1.0, 1.4))
    assert [w.punctuated for w in out] == ["flower-fattened", "fields."]
    assert out[0].word == "flower-fattened" and (out[0].start, out[0].end) == (0.0, 0.9)
    assert results.transcript(out, punctuated=False) == "flower-fattened fields"


def test_an_apostrophe_piece_joins_its_word() -> None:
    out = words((" the", 0.0, 0.2), (" dog", 0.2, 0.5), ("'s", 0.5, 0.6), (" bone", 0.7, 1.0))
    assert [w.word for w in out] == ["the", "dog's", "bone"]


def test_words_without_spaces_stay_apart() -> None:
    """Scripts written without spaces (and Whisper's first word) are not glued together."""
    out = words(("今日", 0.0, 0.3), ("は", 0.3, 0.4), ("晴れ", 0.4, 0.8))
    assert [w.word for w in out] == ["今日", "は", "晴れ"]


def test_punctuation_alone_is_not_a_word() -> None:
    out = words((" yes", 0.0, 0.3), (" ,", 0.3, 0.35), (" no", 0.4, 0.6))
    assert [w.word for w in out] == ["yes", "no"]
