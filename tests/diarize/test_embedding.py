from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whisperd.diarize.embedding import EMBEDDING_SIZE, WINDOW_SAMPLES, SpeakerEncoder
from whisperd.diarize.features import mel_filters, mel_frames
from whisperd.engine.audio import decode_audio


def _load(root: Path, name: str) -> np.ndarray:
    with (root / name).open("rb") as f:
        return decode_audio(f).samples


def test_mel_filters_cover_the_spectrum_with_unit_area_triangles() -> None:
    filters = mel_filters()
    assert filters.shape == (40, 201)
    assert (filters >= 0).all()
    assert (filters.sum(axis=0)[1:-1] > 0).all()


def test_mel_frames_follow_the_10_ms_hop() -> None:
    assert mel_frames(np.zeros(16000, np.float32)).shape == (101, 40)


def test_window_embeddings_are_unit_vectors(encoder: SpeakerEncoder) -> None:
    rng = np.random.default_rng(1)
    windows = rng.normal(scale=0.05, size=(3, WINDOW_SAMPLES)).astype(np.float32)
    out = encoder.embed_windows(windows)
    assert out.shape == (3, EMBEDDING_SIZE)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)


def test_embedding_is_deterministic_and_batch_independent(encoder: SpeakerEncoder) -> None:
    rng = np.random.default_rng(2)
    windows = rng.normal(scale=0.05, size=(5, WINDOW_SAMPLES)).astype(np.float32)
    whole = encoder.embed_windows(windows)
    np.testing.assert_allclose(encoder.embed_windows(windows, batch_size=2), whole, atol=1e-5)
    np.testing.assert_array_equal(encoder.embed_windows(windows), whole)


def test_the_wrong_window_length_is_refused(encoder: SpeakerEncoder) -> None:
    with pytest.raises(ValueError, match="shape"):
        encoder.embed_windows(np.zeros((1, 1000), np.float32))


def test_same_speaker_is_closer_than_another_speaker(
    encoder: SpeakerEncoder, shared_audio: Path
) -> None:
    a1 = encoder.embed(_load(shared_audio, "en_read/Speech2Text__1089-134686-0000.flac"))
    a2 = encoder.embed(_load(shared_audio, "en_read/Speech2Text__1089-134691-0001.flac"))
    b = encoder.embed(_load(shared_audio, "en_read/whisper.cpp__jfk.wav"))
    assert float(a1 @ a2) > float(a1 @ b) + 0.1
