"""The GE2E speaker encoder that the ``resemblyzer`` package ships, run in numpy.

The network is a 3-layer LSTM (256 units) over 40-channel power mel frames, then a linear
layer, ReLU and L2 normalisation of the last hidden state: one 256-value voice vector per
1.6 s window. The weights are read from the package's ``pretrained.pt`` (Apache-2.0) with a
restricted unpickler, so neither torch nor resemblyzer's own dependencies are needed.
"""

from __future__ import annotations

import importlib.metadata
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from whisperd.diarize.cancel import check_cancel
from whisperd.diarize.checkpoint import load_legacy_checkpoint
from whisperd.diarize.features import HOP, N_MELS, SAMPLE_RATE, mel_frames
from whisperd.diarize.threads import one_blas_thread

WINDOW_FRAMES = 160
WINDOW_SAMPLES = WINDOW_FRAMES * HOP
EMBEDDING_SIZE = 256
WEIGHTS_ENV = "WHISPERD_DIARIZE_WEIGHTS"
_TARGET_RMS = 10 ** (-30 / 20)  # the -30 dBFS level the encoder was trained at
_N_LAYERS = 3


class WeightsNotFoundError(Exception):
    """No speaker-encoder weights are installed."""


def find_weights() -> Path:
    """The encoder checkpoint: ``$WHISPERD_DIARIZE_WEIGHTS``, else resemblyzer's own file.

    The package is located through its metadata, not imported (importing it needs torch).
    """
    override = os.environ.get(WEIGHTS_ENV)
    if override:
        return Path(override)
    try:
        dist = importlib.metadata.distribution("resemblyzer")
    except importlib.metadata.PackageNotFoundError as exc:
        raise WeightsNotFoundError(
            "speaker diarization needs the resemblyzer package's weights: "
            "pip install --no-deps resemblyzer==0.1.4"
        ) from exc
    path = Path(str(dist.locate_file("resemblyzer/pretrained.pt")))
    if not path.is_file():
        raise WeightsNotFoundError(f"{path} is missing from the resemblyzer install")
    return path


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


@dataclass(frozen=True)
class _LstmLayer:
    w_ih_t: np.ndarray  # (inputs, 4 * hidden), gates in torch's i, f, g, o order
    w_hh_t: np.ndarray  # (hidden, 4 * hidden)
    bias: np.ndarray  # (4 * hidden,)


def _normalise_level(windows: np.ndarray) -> np.ndarray:
    rms = np.sqrt(np.mean(windows.astype(np.float64) ** 2, axis=1, keepdims=True))
    gain = _TARGET_RMS / np.maximum(rms, 1e-6)
    result: np.ndarray = (windows * gain).astype(np.float32)
    return result


class SpeakerEncoder:
    """Turns 16 kHz speech into unit voice vectors; cosine similarity compares two voices."""

    def __init__(self, state: dict[str, np.ndarray]) -> None:
        self._layers = []
        for i in range(_N_LAYERS):
            self._layers.append(
                _LstmLayer(
                    w_ih_t=np.ascontiguousarray(state[f"lstm.weight_ih_l{i}"].T, np.float32),
                    w_hh_t=np.ascontiguousarray(state[f"lstm.weight_hh_l{i}"].T, np.float32),
                    bias=(state[f"lstm.bias_ih_l{i}"] + state[f"lstm.bias_hh_l{i}"]).astype(
                        np.float32
                    ),
                )
            )
        self._linear_t = np.ascontiguousarray(state["linear.weight"].T, np.float32)
        self._linear_b = state["linear.bias"].astype(np.float32)
        if self._layers[0].w_ih_t.shape != (N_MELS, 4 * EMBEDDING_SIZE):
            raise ValueError("the checkpoint is not a 40-mel GE2E encoder")

    @classmethod
    def load(cls, path: Path | None = None) -> SpeakerEncoder:
        """Load from a resemblyzer ``.pt`` checkpoint or an ``.npz`` of the same state dict."""
        path = path or find_weights()
        if path.suffix == ".npz":
            with np.load(path) as npz:
                return cls({k: npz[k] for k in npz.files})
        checkpoint = load_legacy_checkpoint(path)
        state = checkpoint.get("model_state", checkpoint)
        return cls(state)

    def _forward(self, mels: np.ndarray, cancel: threading.Event | None = None) -> np.ndarray:
        batch, steps, _ = mels.shape
        x = mels
        h = np.zeros((batch, EMBEDDING_SIZE), np.float32)
        for layer in self._layers:
            check_cancel(cancel)
            projected = x @ layer.w_ih_t + layer.bias  # (batch, steps, 4 * hidden)
            h = np.zeros((batch, EMBEDDING_SIZE), np.float32)
            c = np.zeros((batch, EMBEDDING_SIZE), np.float32)
            outputs = np.empty((batch, steps, EMBEDDING_SIZE), np.float32)
            n = EMBEDDING_SIZE
            for t in range(steps):
                gates = projected[:, t] + h @ layer.w_hh_t
                i = _sigmoid(gates[:, :n])
                f = _sigmoid(gates[:, n : 2 * n])
                g = np.tanh(gates[:, 2 * n : 3 * n])
                o = _sigmoid(gates[:, 3 * n :])
                c = f * c + i * g
                h = o * np.tanh(c)
                outputs[:, t] = h
            x = outputs
        raw = np.maximum(h @ self._linear_t + self._linear_b, 0.0)
        norms = np.linalg.norm(raw, axis=1, keepdims=True)
        result: np.ndarray = (raw / np.maximum(norms, 1e-12)).astype(np.float32)
        return result

    def embed_windows(
        self,
        windows: np.ndarray,
        *,
        batch_size: int = 64,
        cancel: threading.Event | None = None,
    ) -> np.ndarray:
        """(n, WINDOW_SAMPLES) windows of 16 kHz audio to (n, EMBEDDING_SIZE) unit vectors; a
        set ``cancel`` stops it (``DiarizationCancelled``) before the next LSTM layer."""
        windows = np.asarray(windows, dtype=np.float32)
        if windows.ndim != 2 or windows.shape[1] != WINDOW_SAMPLES:
            raise ValueError(f"windows must have shape (n, {WINDOW_SAMPLES})")
        out = np.empty((len(windows), EMBEDDING_SIZE), np.float32)
        with one_blas_thread():
            for start in range(0, len(windows), batch_size):
                chunk = _normalise_level(windows[start : start + batch_size])
                mels = np.stack([mel_frames(w)[:WINDOW_FRAMES] for w in chunk])
                out[start : start + len(chunk)] = self._forward(mels, cancel)
        return out

    def embed(self, samples_16k: np.ndarray, *, hop_seconds: float = 0.8) -> np.ndarray:
        """One unit vector for an utterance: the normalised mean of its windows' vectors."""
        samples = np.asarray(samples_16k, dtype=np.float32)
        if len(samples) < WINDOW_SAMPLES:
            samples = np.pad(samples, (0, WINDOW_SAMPLES - len(samples)))
        hop = max(1, int(hop_seconds * SAMPLE_RATE))
        starts = list(range(0, len(samples) - WINDOW_SAMPLES + 1, hop))
        if starts[-1] + WINDOW_SAMPLES < len(samples):
            starts.append(len(samples) - WINDOW_SAMPLES)
        windows = np.stack([samples[s : s + WINDOW_SAMPLES] for s in starts])
        mean = self.embed_windows(windows).mean(axis=0)
        result: np.ndarray = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
        return result
