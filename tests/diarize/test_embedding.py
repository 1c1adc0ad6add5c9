from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whisperd.diarize.campplus import CamPlusPlus
from whisperd.diarize.embedding import EMBEDDING_SIZE, WINDOW_SAMPLES, SpeakerEncoder
from whisperd.diarize.fbank import N_MELS, SAMPLE_RATE, fbank, mel_banks
from whisperd.engine.audio import decode_audio

DATA = Path(__file__).parent / "data"


def _load(root: Path, name: str) -> np.ndarray:
    with (root / name).open("rb") as f:
        return decode_audio(f).samples


def test_mel_banks_are_kaldis_triangles_below_nyquist() -> None:
    banks = mel_banks()
    assert banks.shape == (257, N_MELS)
    assert (banks >= 0).all() and banks.max() <= 1.0
    assert (banks.sum(axis=0) > 0).all()
    assert not banks[-1].any()  # Kaldi leaves the Nyquist bin out
    # 1 kHz (FFT bin 32) is 1000 mel: filter 27 of 80 between mel(20 Hz) and mel(8 kHz).
    assert int(np.argmax(banks[32])) in (26, 27)


def test_fbank_has_kaldi_frames_and_is_mean_normalised() -> None:
    rng = np.random.default_rng(0)
    features = fbank(rng.normal(scale=0.1, size=SAMPLE_RATE).astype(np.float32))
    assert features.shape == (98, N_MELS)  # 1 + (16000 - 400) // 160, edges snipped
    np.testing.assert_allclose(features.mean(axis=0), 0.0, atol=1e-4)


def test_fbank_shows_a_tone_in_the_filter_around_its_frequency() -> None:
    rng = np.random.default_rng(0)
    samples = rng.normal(scale=0.01, size=2 * SAMPLE_RATE)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    samples[SAMPLE_RATE:] += 0.1 * np.sin(2 * np.pi * 3000 * t)  # a 3 kHz tone comes in
    features = fbank(samples.astype(np.float32))
    rise = features[150] - features[40]
    assert int(np.argmax(rise)) in (51, 52, 53)  # 3 kHz is 1877 mel


def test_the_network_matches_3d_speakers_pytorch_model(encoder: SpeakerEncoder) -> None:
    # Outputs of 3D-Speaker's CAMPPlus on the same seeded inputs (data/make_campplus_reference.py).
    rng = np.random.default_rng(0)
    reference = np.load(DATA / "campplus_reference.npz")
    network: CamPlusPlus = encoder.network
    for name, shape in (("short", (2, 150, 80)), ("long", (1, 230, 80))):
        features = rng.standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(network(features), reference[name], atol=1e-4)


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


def test_same_speaker_is_much_closer_than_another_speaker(
    encoder: SpeakerEncoder, shared_audio: Path
) -> None:
    a1 = encoder.embed(_load(shared_audio, "en_read/Speech2Text__1089-134686-0000.flac"))
    a2 = encoder.embed(_load(shared_audio, "en_read/Speech2Text__1089-134691-0001.flac"))
    b = encoder.embed(_load(shared_audio, "en_read/whisper.cpp__jfk.wav"))
    assert float(a1 @ a2) > 0.6
    assert float(a1 @ b) < 0.3
