"""Finding speech a live final decode passed over: a word stretched over what the VAD hears
as speech (not over a pause)."""

from __future__ import annotations

import numpy as np
import pytest
from whisperd.engine.audio import SAMPLE_RATE, decode_audio
from whisperd.live.agreement import TimedWord
from whisperd.live.skips import skipped_speech

from tests.support.audio import GeneratedAudio


@pytest.fixture(scope="module")
def speech(english_speech: GeneratedAudio) -> np.ndarray:
    with open(english_speech.path, "rb") as handle:
        return decode_audio(handle).samples


def timed(*words: tuple[str, float, float]) -> list[TimedWord]:
    return [TimedWord(f" {text}", start, end) for text, start, end in words]


def test_a_word_stretched_over_speech_marks_the_skip(speech: np.ndarray) -> None:
    words = timed(("Hello", 0.0, 0.4), ("world", 0.4, 0.8), ("the", 1.2, 3.4), ("park", 3.4, 3.8))
    assert skipped_speech(words, speech[: 4 * SAMPLE_RATE]) == 2


def test_a_word_stretched_over_a_pause_is_no_skip(speech: np.ndarray) -> None:
    second = SAMPLE_RATE
    audio = np.concatenate([speech[:second], np.zeros(3 * second, np.float32), speech[:second]])
    words = timed(("Hello", 0.0, 0.5), ("there", 0.5, 4.2), ("Hello", 4.2, 4.6))
    assert skipped_speech(words, audio) is None


def test_words_of_ordinary_length_are_no_skip(speech: np.ndarray) -> None:
    words = timed(*((f"w{i}", i * 0.4, i * 0.4 + 0.4) for i in range(10)))
    assert skipped_speech(words, speech[: 4 * SAMPLE_RATE]) is None
