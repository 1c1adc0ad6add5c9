"""The speaker encoder's input: Kaldi's 80-bin log mel filterbank, 25 ms frames every 10 ms.

It follows Kaldi's ``compute-fbank-feats`` defaults, as CAM++ was trained on them: frames
snipped at the edges, DC offset removed, pre-emphasis 0.97, the Povey window, a 512-point
power spectrum, triangular filters on Kaldi's mel scale from 20 Hz to Nyquist, and the natural
log floored at float32's epsilon. No dither, so the same audio always gives the same features.
"""

from __future__ import annotations

import functools

import numpy as np

SAMPLE_RATE = 16000
FRAME = 400  # 25 ms
HOP = 160  # 10 ms
N_FFT = 512
N_MELS = 80
LOW_HZ = 20.0
PREEMPHASIS = 0.97
_EPSILON = float(np.finfo(np.float32).eps)


def _mel(hz: np.ndarray | float) -> np.ndarray:
    return np.asarray(1127.0 * np.log(1.0 + np.asarray(hz, dtype=np.float64) / 700.0))


@functools.cache
def mel_banks() -> np.ndarray:
    """(N_FFT // 2 + 1, N_MELS) filter weights; Kaldi gives the Nyquist bin no weight."""
    low, high = _mel(LOW_HZ), _mel(SAMPLE_RATE / 2)
    delta = (high - low) / (N_MELS + 1)
    left = low + delta * np.arange(N_MELS)
    centre, right = left + delta, left + 2 * delta
    bins = _mel(np.arange(N_FFT // 2) * SAMPLE_RATE / N_FFT)[None, :]
    up = (bins - left[:, None]) / (centre - left)[:, None]
    down = (right[:, None] - bins) / (right - centre)[:, None]
    weights = np.maximum(0.0, np.minimum(up, down))
    banks = np.zeros((N_FFT // 2 + 1, N_MELS), np.float32)
    banks[:-1] = weights.T
    return banks


@functools.cache
def _povey_window() -> np.ndarray:
    n = np.arange(FRAME)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * n / (FRAME - 1))
    window: np.ndarray = (hann**0.85).astype(np.float32)
    return window


def n_frames(n_samples: int) -> int:
    return 0 if n_samples < FRAME else 1 + (n_samples - FRAME) // HOP


def fbank(samples: np.ndarray) -> np.ndarray:
    """(n_frames, N_MELS) log mel energies of 16 kHz mono ``samples``, mean-normalised over
    time (the encoder's input); a clip shorter than one frame is padded with zeros."""
    x = np.asarray(samples, dtype=np.float32)
    if len(x) < FRAME:
        x = np.pad(x, (0, FRAME - len(x)))
    count = n_frames(len(x))
    frames = np.lib.stride_tricks.as_strided(
        x, shape=(count, FRAME), strides=(x.strides[0] * HOP, x.strides[0]), writeable=False
    ).astype(np.float64)
    frames = frames - frames.mean(axis=1, keepdims=True)
    previous = np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)
    frames = (frames - PREEMPHASIS * previous) * _povey_window()
    spectrum = np.fft.rfft(frames, n=N_FFT, axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    energies = np.log(np.maximum(power @ mel_banks(), _EPSILON))
    features: np.ndarray = (energies - energies.mean(axis=0, keepdims=True)).astype(np.float32)
    return features
