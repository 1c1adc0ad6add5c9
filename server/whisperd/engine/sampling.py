"""Seeded sampling for the temperature fallback, so the same audio and options give the same
text on every request.

CTranslate2 samples with one random generator per thread, seeded once, when that thread first
samples, from the global seed (``ctranslate2.set_random_seed``). A model's generation runs on
its worker threads, so their generators carry on from whatever they sampled before, whoever
asked. A fresh copy of the model has a worker that has never sampled: setting the seed, then
sampling once (a one-token priming decode), fixes its generator, and every later draw follows
from the seed and the decodes asked of it. So each transcription that samples takes a fresh
copy at its first sampled decode, samples only there, and drops it at its end. The next copy
is loaded in the background meanwhile (the first ever is loaded on demand), so one spare copy
is kept per model once sampling has happened.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import ctranslate2
from faster_whisper import WhisperModel
from faster_whisper.utils import download_model

from whisperd.engine import allocator

logger = logging.getLogger(__name__)

# The global seed is read by whichever thread samples first after it is set: one priming at a time.
_SEED_LOCK = threading.Lock()


def samples(generate_kwargs: dict[str, Any]) -> bool:
    """Whether a ``Whisper.generate`` call draws random numbers (top-1 is greedy)."""
    return int(generate_kwargs.get("sampling_topk", 1)) != 1


class SeededSampler:
    """Fresh copies of one CTranslate2 Whisper model, handed out for seeded sampling."""

    def __init__(self, load: Callable[[], Any]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._spare: Any = None
        self._loading = False

    @property
    def has_spare(self) -> bool:
        return self._spare is not None

    def session(self, seed: int) -> SamplingSession:
        return SamplingSession(self, seed)

    def take(self) -> Any:
        """A copy that has never sampled: the spare, or one loaded now."""
        with self._lock:
            copy, self._spare = self._spare, None
        return copy if copy is not None else self._load()

    def replenish(self) -> None:
        """Load a spare copy in the background, unless there is one or one is on its way."""
        with self._lock:
            if self._spare is not None or self._loading:
                return
            self._loading = True
        # Not a daemon: exiting while CTranslate2 loads would abort the process ("terminate
        # called"), so the interpreter waits for the load to end.
        threading.Thread(target=self._load_spare, name="whisperd-sampler").start()

    def _load_spare(self) -> None:
        # glibc keeps what a dropped copy and its worker freed; give it back first.
        allocator.trim()
        try:
            copy = self._load()
        except Exception:  # the next sampled decode loads on demand and reports the error
            logger.exception("could not load a spare model copy for seeded sampling")
            copy = None
        with self._lock:
            self._spare, self._loading = copy, False


class SamplingSession:
    """One transcription's sampled decodes, all on one copy seeded at its first decode."""

    def __init__(self, sampler: SeededSampler, seed: int) -> None:
        self._sampler = sampler
        self.seed = seed
        self._model: Any = None

    def generate(self, features: Any, prompts: Any, **kwargs: Any) -> Any:
        if self._model is None:
            model = self._sampler.take()
            with _SEED_LOCK:
                ctranslate2.set_random_seed(self.seed)
                # The length counts the prompt: one token sampled after it.
                length = max(len(prompt) for prompt in prompts) + 1
                model.generate(features, prompts, beam_size=1, sampling_topk=0, max_length=length)
            self._model = model
        return self._model.generate(features, prompts, **kwargs)

    def close(self) -> None:
        if self._model is not None:
            self._model = None
            self._sampler.replenish()


def model_copier(
    model: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    intra_threads: int | None = None,
    inter_threads: int = 1,
) -> Callable[[], Any]:
    """Loads a copy of the CTranslate2 Whisper ``model`` that ``WhisperModel(*args, **kwargs)``
    loaded, on its first device: with one worker of as many threads unless told otherwise."""
    given = inspect.signature(WhisperModel).bind(*args, **kwargs).arguments
    model_path = str(given["model_size_or_path"])
    if not os.path.isdir(model_path):  # a model name faster-whisper has just downloaded
        model_path = download_model(
            model_path, local_files_only=True, cache_dir=given.get("download_root")
        )
    cpu_threads = int(given.get("cpu_threads", 0)) if intra_threads is None else intra_threads
    device, compute_type, device_index = model.device, model.compute_type, model.device_index
    first = device_index[0] if isinstance(device_index, list) else device_index

    def load() -> Any:
        return ctranslate2.models.Whisper(
            model_path,
            device=device,
            device_index=first,
            compute_type=compute_type,
            intra_threads=cpu_threads,
            inter_threads=inter_threads,
        )

    return load
