"""Incremental Silero VAD: speech against silence, and streaming equal to batch scoring."""

from __future__ import annotations

import numpy as np
import pytest
from faster_whisper.audio import decode_audio
from faster_whisper.vad import get_vad_model
from whisperd.engine.audio import SAMPLE_RATE
from whisperd.live.vad import FRAME_SAMPLES, SileroVad

from tests.support.audio import make_speech
from tests.support.paths import shared_path


@pytest.fixture(scope="module")
def speech_between_silences(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """One second of faint noise, espeak-ng speech, one second of faint noise (16 kHz)."""
    generated = make_speech(
        tmp_path_factory.mktemp("vad"), "speech", "en-us", "The quick brown fox jumps over it."
    )
    speech = decode_audio(str(generated.path), sampling_rate=SAMPLE_RATE)
    # Trim espeak's own silent edges so the speech region is exactly known.
    loud = np.flatnonzero(np.abs(speech) > 0.02)
    speech = speech[loud[0] : loud[-1]]
    rng = np.random.default_rng(7)
    noise = (rng.standard_normal(SAMPLE_RATE) * 1e-3).astype(np.float32)
    return np.concatenate([noise, speech, noise]).astype(np.float32)


def _stream(vad: SileroVad, audio: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts, position = [], 0
    while position < len(audio):
        size = int(rng.integers(1, 3 * FRAME_SAMPLES))
        parts.append(vad.push(audio[position : position + size]))
        position += size
    return np.concatenate(parts)


def test_speech_scores_high_and_silence_low(speech_between_silences: np.ndarray) -> None:
    probabilities = _stream(SileroVad(), speech_between_silences, seed=1)
    speech_start = SAMPLE_RATE // FRAME_SAMPLES  # frame index where the speech begins
    speech_end = (len(speech_between_silences) - SAMPLE_RATE) // FRAME_SAMPLES
    settle = 10  # Silero's probability decays over a few hundred ms after speech
    silence = np.concatenate(
        [probabilities[: speech_start - 1], probabilities[speech_end + settle :]]
    )
    speech = probabilities[speech_start + 1 : speech_end]
    assert silence.max() < 0.2
    assert np.mean(speech >= 0.5) > 0.8


def test_streaming_equals_batch_scoring_of_a_recorded_clip() -> None:
    audio = decode_audio(str(shared_path("audio/en_read/whisper.cpp__jfk.wav")))
    audio = audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES]
    batch = get_vad_model()(audio)
    streamed = _stream(SileroVad(), audio, seed=2)
    np.testing.assert_allclose(streamed, np.asarray(batch).reshape(-1), atol=1e-6)


def test_streaming_equals_batch_scoring_of_generated_speech(
    speech_between_silences: np.ndarray,
) -> None:
    audio = speech_between_silences[: len(speech_between_silences) // FRAME_SAMPLES * FRAME_SAMPLES]
    batch = np.asarray(get_vad_model()(audio)).reshape(-1)
    np.testing.assert_allclose(_stream(SileroVad(), audio, seed=3), batch, atol=1e-6)


def test_only_complete_frames_are_scored() -> None:
    vad = SileroVad()
    assert len(vad.push(np.zeros(FRAME_SAMPLES - 1, dtype=np.float32))) == 0
    assert vad.pending_samples == FRAME_SAMPLES - 1
    assert len(vad.push(np.zeros(FRAME_SAMPLES + 2, dtype=np.float32))) == 2
    assert vad.pending_samples == 1
    assert vad.frames == 2


def test_reset_starts_a_fresh_stream(speech_between_silences: np.ndarray) -> None:
    audio = speech_between_silences[: 40 * FRAME_SAMPLES]
    vad = SileroVad()
    first = vad.push(audio)
    vad.push(speech_between_silences[-10 * FRAME_SAMPLES :])
    vad.reset()
    np.testing.assert_array_equal(vad.push(audio), first)


def test_sessions_share_the_model_but_not_the_state(speech_between_silences: np.ndarray) -> None:
    audio = speech_between_silences[: 60 * FRAME_SAMPLES]
    one, two = SileroVad(), SileroVad()
    expected = SileroVad().push(audio)
    interleaved_one = np.concatenate(
        [one.push(audio[: 30 * FRAME_SAMPLES]), one.push(audio[30 * FRAME_SAMPLES :])]
    )
    two.push(audio[::-1].copy())
    np.testing.assert_array_equal(interleaved_one, expected)
