"""Cutting an invented ending off a live decode, on word timings measured from tiny.en's
final decodes of a turn's tail (Speech2Text__1089-134691-0001 with 0.5 s of silence)."""

from __future__ import annotations

from whisperd.engine.transcribe import Word
from whisperd.live.endings import without_invented_ending


def words(*timed: tuple[str, float, float]) -> list[Word]:
    return [Word(text, start, end, 0.9, f" {text}") for text, start, end in timed]


def texts(kept: list[Word]) -> list[str]:
    return [word.word for word in kept]


def test_real_speech_is_kept_whole() -> None:
    speech = words(("But", 0.0, 0.18), ("he", 0.18, 0.32), ("could", 0.32, 0.5),
                   ("wait", 0.5, 0.76), ("no", 0.76, 1.02), ("longer.", 1.02, 1.32))  # fmt: skip
    assert without_invented_ending(speech) == speech


def test_a_run_of_instant_words_after_the_speech_is_cut() -> None:
    decoded = words(("No", 0.0, 0.42), ("longer.", 0.42, 0.8), ("Thank", 0.8, 0.8),
                    ("you", 0.8, 0.8), ("very", 0.8, 0.8), ("much", 0.8, 0.8),
                    ("for", 0.8, 0.9), ("joining", 0.9, 1.88), ("us", 1.88, 1.88),
                    ("today,", 1.88, 1.88), ("and", 1.88, 1.88))  # fmt: skip
    assert texts(without_invented_ending(decoded)) == ["No", "longer."]


def test_a_short_gap_inside_the_invented_run_does_not_save_it() -> None:
    decoded = words(("No", 0.0, 0.22), ("longer.", 0.22, 0.54), ("Thank", 0.54, 0.54),
                    ("you", 0.54, 0.54), ("very", 0.54, 0.66), ("much", 0.66, 0.66),
                    ("for", 0.66, 0.66), ("your", 0.66, 1.64), ("time,", 1.64, 1.64),
                    ("and", 1.64, 1.64), ("thank", 1.64, 1.64), ("you", 1.64, 1.64))  # fmt: skip
    assert texts(without_invented_ending(decoded)) == ["No", "longer."]


def test_a_word_stretched_over_the_silence_before_the_run_goes_with_it() -> None:
    decoded = words(("Thank", 0.0, 0.88), ("you", 0.88, 0.88), ("so", 0.88, 0.88),
                    ("much", 0.88, 0.88), ("for", 0.88, 0.88))  # fmt: skip
    assert without_invented_ending(decoded) == []


def test_instant_words_followed_by_timed_speech_are_kept() -> None:
    # A fast phrase the aligner squeezed, then more speech with its own audio: not an ending.
    decoded = words(("it's", 0.0, 0.01), ("a", 0.01, 0.02), ("the", 0.02, 0.03),
                    ("long", 0.03, 0.4), ("road", 0.4, 0.8), ("home", 0.8, 1.2))  # fmt: skip
    assert without_invented_ending(decoded) == decoded
