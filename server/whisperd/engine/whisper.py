"""faster-whisper's model, remembering what each thread's encoder last produced.

Two things need the encoder output of a 30-second window after faster-whisper is done with
it, and faster-whisper hands it to neither:

- Token log probabilities (:mod:`whisperd.engine.logprobs`) re-score a segment's tokens
  against the window they were decoded from. faster-whisper encodes a window, decodes it and
  yields its segments before it encodes the next, so while a segment is being consumed the
  remembered output is that window's.
- Language detection encodes the first window, then decoding encodes the same window again
  (faster-whisper 1.2 does not pass the first encoding on). Here the second call finds the
  same features and gets the remembered output: a whole encoder pass saved on every request
  that does not name its language (measured in bench/README.md, "What development runs
  showed").

It also stops a cancelled transcription between two calls into CTranslate2. faster-whisper
yields a window's segments only after its temperature fallback ladder is done (up to six
beam searches), so a check between segments alone would let an abandoned request hold its
worker for seconds; the model checks the calling thread's cancel flag before every encoder,
decoder and alignment call.

With a seed (:meth:`Whisper.seed_sampling`), a thread's sampled decodes run on a seeded copy
of the model instead (:mod:`whisperd.engine.sampling`).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from faster_whisper import WhisperModel

from whisperd.engine.batching import BatchingModel
from whisperd.engine.sampling import SeededSampler, model_copier, samples


class Cancelled(Exception):
    """The caller asked the transcription to stop."""


class Whisper(WhisperModel):  # type: ignore[misc]
    def __init__(
        self, *args: Any, batch_requests: int = 1, batch_gather_seconds: float = 0.02, **kwargs: Any
    ) -> None:
        """``batch_requests`` over 1 decodes that many concurrent requests' windows together
        (:mod:`whisperd.engine.batching`); the other arguments are faster-whisper's."""
        super().__init__(*args, **kwargs)
        self._thread_state = threading.local()
        ctranslate2_model: Any = self.model  # type: ignore[has-type]  # untyped base
        self.sampler = SeededSampler(model_copier(ctranslate2_model, args, kwargs))
        self.batching: BatchingModel | None = None
        if batch_requests > 1:
            lanes = int(kwargs.get("num_workers", 1))
            threads = int(kwargs.get("cpu_threads", 0))
            wide = None
            if ctranslate2_model.device == "cpu" and lanes == 1 and threads > 1:
                # One single-threaded replica per thread, for requests side by side.
                wide = model_copier(
                    ctranslate2_model, args, kwargs, intra_threads=1, inter_threads=threads
                )()
            self.batching = BatchingModel(
                ctranslate2_model,
                sot_token=self.hf_tokenizer.token_to_id("<|startoftranscript|>"),
                max_batch=batch_requests,
                gather_seconds=batch_gather_seconds,
                lanes=lanes,
                wide=wide,
                wide_lanes=threads,
            )
            ctranslate2_model = self.batching
        self.model = _CancellableModel(ctranslate2_model, self._thread_state)

    @property
    def multilingual(self) -> bool:
        return bool(self.model.is_multilingual)

    def watch_cancel(self, cancel: threading.Event | None) -> None:
        """Stop the calling thread's CTranslate2 calls with :class:`Cancelled` once ``cancel``
        is set (None: stop watching). Between the two the thread is transcribing, which
        batching lanes wait for."""
        state = self._thread_state
        state.cancel = cancel
        transcribing = cancel is not None
        if self.batching is not None and transcribing != getattr(state, "transcribing", False):
            (self.batching.join if transcribing else self.batching.leave)()
        state.transcribing = transcribing

    def seed_sampling(self, seed: int | None) -> None:
        """Run the calling thread's sampled decodes from ``seed`` on a fresh copy of the model
        (None: on the model itself, unseeded; either way the previous seed's copy is done)."""
        previous = getattr(self._thread_state, "sampling", None)
        if previous is not None:
            previous.close()
        self._thread_state.sampling = None if seed is None else self.sampler.session(seed)

    @property
    def encoder_output(self) -> Any:
        """The calling thread's last encoder output, or None."""
        return getattr(self._thread_state, "encoder_output", None)

    def limit_encoder_frames(self, frames: int | None) -> None:
        """Encode at most ``frames`` mel frames in the calling thread's encoder calls, for
        audio known to be shorter (None: the whole padded 30 s window)."""
        self._thread_state.encoder_frames = frames

    def encode(self, features: Any) -> Any:
        state = self._thread_state
        frames = getattr(state, "encoder_frames", None)
        if frames is not None and features.shape[-1] > frames:
            features = np.ascontiguousarray(features[..., :frames])
        previous = getattr(state, "features", None)
        if previous is not None and _same(previous, features):
            return state.encoder_output
        output = super().encode(features)
        state.features, state.encoder_output = features, output
        return output

    def forget_encoder_output(self) -> None:
        self._thread_state.features = None
        self._thread_state.encoder_output = None

    def detect_language(self, audio: Any = None, features: Any = None, **kwargs: Any) -> Any:
        # faster-whisper's features end with one frame past the audio, which its decoding
        # windows leave out; without it, detection encodes exactly the first decoding window.
        if audio is None and features is not None and features.shape[-1] > 1:
            features = features[..., :-1]
        return super().detect_language(audio=audio, features=features, **kwargs)


def _same(a: Any, b: Any) -> bool:
    return bool(a.shape == b.shape and np.array_equal(a, b))


class _CancellableModel:
    """CTranslate2's Whisper model, raising :class:`Cancelled` before a call when the calling
    thread's cancel flag is set; everything else passes through."""

    _CHECKED = frozenset({"encode", "generate", "align", "detect_language"})

    def __init__(self, model: Any, thread_state: threading.local) -> None:
        self.wrapped = model
        self._thread_state = thread_state

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.wrapped, name)
        if name not in self._CHECKED:
            return attribute
        thread_state = self._thread_state

        def checked(*args: Any, **kwargs: Any) -> Any:
            cancel = getattr(thread_state, "cancel", None)
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            sampling = getattr(thread_state, "sampling", None)
            if name == "generate" and sampling is not None and samples(kwargs):
                return sampling.generate(*args, **kwargs)
            return attribute(*args, **kwargs)

        return checked
