"""Seeded sampling: a decode that samples (the temperature fallback, or a temperature set
without it) gives the same text every time for the same audio and options."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from whisperd.engine.audio import decode_audio
from whisperd.engine.transcribe import DecodeOptions, Transcript, transcribe
from whisperd.engine.whisper import Whisper

from tests.support.audio import GeneratedAudio
from tests.support.models import model_manager

# Samples at 0.6 straight away: the fallback's own draws, without the beam search first.
SAMPLED = DecodeOptions(temperature=0.6, fallback=False)


@pytest.fixture(scope="module")
def whisper(model_cache_dir: Path) -> Whisper:
    manager = model_manager(model_cache_dir, "tiny.en", max_loaded=1)
    return manager.get("tiny.en").whisper


@pytest.fixture(scope="module")
def speech(english_speech: GeneratedAudio) -> np.ndarray:
    with open(english_speech.path, "rb") as handle:
        return decode_audio(handle).samples


def test_a_sampled_decode_gives_the_same_text_every_time(
    whisper: Whisper, speech: np.ndarray
) -> None:
    runs = [transcribe(whisper, speech, SAMPLED) for _ in range(3)]
    assert {run.text for run in runs} == {runs[0].text}
    assert {segment.temperature for run in runs for segment in run.segments} == {0.6}


def test_concurrent_sampled_decodes_give_the_text_of_a_lone_one(
    whisper: Whisper, speech: np.ndarray
) -> None:
    alone = transcribe(whisper, speech, SAMPLED).text
    results: list[Transcript] = []
    threads = [
        threading.Thread(target=lambda: results.append(transcribe(whisper, speech, SAMPLED)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [result.text for result in results] == [alone, alone]


def test_the_seed_decides_the_sample(whisper: Whisper, speech: np.ndarray) -> None:
    texts = {transcribe(whisper, speech, SAMPLED).text}
    texts |= {transcribe(whisper, speech, replace(SAMPLED, seed=seed)).text for seed in (1, 2, 3)}
    assert len(texts) > 1
