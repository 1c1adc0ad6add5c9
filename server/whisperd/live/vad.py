"""Incremental Silero VAD: speech probabilities frame by frame as audio arrives.

faster-whisper bundles Silero VAD v6 as ONNX. The model reads 512-sample frames (32 ms at
16 kHz), each preceded by the last 64 samples of the frame before it, and carries an LSTM
state (``h``, ``c``) from frame to frame; its batch dimension is time. A :class:`SileroVad`
keeps that state, the context and any incomplete frame between calls, so each sample is
run through the model exactly once.
"""

from __future__ import annotations

import functools
import importlib
import os
from typing import Any

import numpy as np

from whisperd.engine.audio import SAMPLE_RATE

FRAME_SAMPLES = 512
CONTEXT_SAMPLES = 64
FRAME_MS = FRAME_SAMPLES * 1000 / SAMPLE_RATE
_STATE_SHAPE = (1, 1, 128)
# onnxruntime ships no type information.
onnxruntime: Any = importlib.import_module("onnxruntime")


def silero_model_path() -> str:
    from faster_whisper.utils import get_assets_path

    return os.path.join(get_assets_path(), "silero_vad_v6.onnx")


@functools.lru_cache(maxsize=1)
def silero_session() -> Any:
    """One ONNX session for the process: ``run`` is thread-safe and the state is ours."""
    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.enable_cpu_mem_arena = False
    opts.log_severity_level = 4
    return onnxruntime.InferenceSession(
        silero_model_path(), providers=["CPUExecutionProvider"], sess_options=opts
    )


class SileroVad:
    """Speech probability of every complete 512-sample frame of a 16 kHz stream."""

    def __init__(self, session: Any = None) -> None:
        self._session = session if session is not None else silero_session()
        self.reset()

    def reset(self) -> None:
        """Forget the stream: state, context and any incomplete frame."""
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._frames = 0

    @property
    def frames(self) -> int:
        """Frames scored since the start (or the last reset)."""
        return self._frames

    @property
    def pending_samples(self) -> int:
        """Samples waiting for their frame to be complete."""
        return len(self._pending)

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Score the frames ``samples`` completes; float32 probabilities, one per frame."""
        audio = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        count = len(audio) // FRAME_SAMPLES
        self._pending = audio[count * FRAME_SAMPLES :]
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        frames = audio[: count * FRAME_SAMPLES].reshape(count, FRAME_SAMPLES)
        contexts = np.concatenate([self._context[None, :], frames[:-1, -CONTEXT_SAMPLES:]], axis=0)
        batch = np.ascontiguousarray(np.concatenate([contexts, frames], axis=1))
        outputs: list[Any] = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        probs, self._h, self._c = outputs
        self._context = frames[-1, -CONTEXT_SAMPLES:].copy()
        self._frames += count
        return np.asarray(probs, dtype=np.float32).reshape(count)
