"""The engine's floor: faster-whisper in this process, loaded and called exactly as the server
loads and calls it for a default request.

Nothing here restates the server's choices. The model is loaded by the server's own
:class:`whisperd.core.service.Service` (its model manager, with the runtime options the
settings give: device, compute type, CPU threads per worker), and the decoding options are
the ones that object builds for a request whose form holds only ``file`` and ``model``
(beam size from the settings, the temperature fallback ladder, VAD and batching as the
settings say). Decoding then runs through :func:`whisperd.engine.transcribe.start_transcription`,
the function the server's workers call. Whatever the HTTP server costs beyond these timings
is the server's overhead.
"""

from __future__ import annotations

import dataclasses
import io
import time
from dataclasses import dataclass

import numpy as np
from faster_whisper import BatchedInferencePipeline
from whisperd.api.plan import PlanDefaults, plan_request
from whisperd.core.service import Service
from whisperd.engine.audio import decode_audio
from whisperd.engine.transcribe import (
    DecodeOptions,
    VadSettings,
    start_transcription,
    transcript_text,
)
from whisperd.settings import Settings
from whisperd.store.manager import LoadedModel

from bench.corpus import Clip


@dataclass(frozen=True)
class EngineRun:
    text: str
    decode_seconds: float  # bytes to 16 kHz samples (PyAV), as the server decodes uploads
    inference_seconds: float  # language detection and every segment
    first_segment_seconds: float | None  # from the start of inference: the streaming floor

    @property
    def total_seconds(self) -> float:
        return self.decode_seconds + self.inference_seconds


@dataclass(frozen=True)
class TimedText:
    text: str
    seconds: float


class Engine:
    def __init__(self, model_id: str, settings: Settings) -> None:
        self.settings = dataclasses.replace(settings, model=model_id)
        # The server's service object, never serving: only its model loading and options.
        self.service = Service(self.settings)
        started = time.monotonic()
        self.model: LoadedModel = self.service.models.get(model_id)
        self.load_seconds = time.monotonic() - started
        self.options = self.request_options({})
        self.stream_options = self.request_options({"stream": True})

    def request_options(self, fields: dict[str, object]) -> DecodeOptions:
        """The :class:`DecodeOptions` the server derives from a form of ``model`` + ``fields``."""
        plan = plan_request(
            {"model": self.model.id, **fields},
            task="transcribe",
            defaults=PlanDefaults.from_settings(self.settings),
        )
        return self.service.check(plan.decoding, self.model)

    def describe(self) -> dict[str, object]:
        options = self.options
        return {
            "device": self.service.models.device,
            "compute_type": self.service.models.compute_type,
            "cpu_threads": self.service.sizing.cpu_threads,
            "workers": self.service.sizing.workers,
            "batch_requests": self.service.sizing.batch_requests,
            "beam_size": options.beam_size,
            "temperatures": list(options.temperatures),
            "vad_filter": options.vad is not None,
            "condition_on_previous_text": options.condition_on_previous_text,
            "batch_size": options.batch_size,
            "batch_min_seconds": options.batch_min_seconds,
            "multilingual": self.model.multilingual,
            "load_seconds": self.load_seconds,
        }

    def decode(self, clip: Clip) -> tuple[np.ndarray, float]:
        started = time.monotonic()
        audio = decode_audio(io.BytesIO(clip.data), max_duration=self.settings.max_audio_seconds)
        return audio.samples, time.monotonic() - started

    def run(self, clip: Clip) -> EngineRun:
        """Decode and transcribe ``clip`` as the server does a json request, timing the
        first segment too (the floor for a stream's first delta)."""
        samples, decode_seconds = self.decode(clip)
        started = time.monotonic()
        run = start_transcription(self.model.whisper, samples, self.options)
        segments = []
        first: float | None = None
        for segment in run.segments:
            if first is None:
                first = time.monotonic() - started
            segments.append(segment)
        inference = time.monotonic() - started
        return EngineRun(transcript_text(segments), decode_seconds, inference, first)

    def timed(self, samples: np.ndarray, options: DecodeOptions) -> TimedText:
        started = time.monotonic()
        run = start_transcription(self.model.whisper, samples, options)
        text = transcript_text(list(run.segments))
        return TimedText(text, time.monotonic() - started)

    def sequential(self, samples: np.ndarray, *, vad: bool) -> TimedText:
        """The server's window-after-window decoding, optionally with Silero VAD."""
        options = dataclasses.replace(
            self.options, batch_size=0, vad=VadSettings() if vad else None
        )
        return self.timed(samples, options)

    def batched_library_defaults(self, samples: np.ndarray, batch_size: int) -> TimedText:
        """faster-whisper's ``BatchedInferencePipeline`` with its own defaults (VAD on, no
        timestamp tokens) and the server's beam size and language rule: the reference the
        server's batched path can be compared with."""
        pipeline = BatchedInferencePipeline(self.model.whisper)
        started = time.monotonic()
        segments, _ = pipeline.transcribe(
            samples,
            language=None if self.model.multilingual else "en",
            beam_size=self.options.beam_size,
            batch_size=batch_size,
        )
        text = "".join(segment.text for segment in segments).strip()
        return TimedText(text, time.monotonic() - started)

    def batched(self, samples: np.ndarray, batch_size: int) -> TimedText:
        """The server's batched path (``--batch-size``: the whole audio in pieces of at most
        30 s cut at pauses, :mod:`whisperd.engine.pieces`), forced on whatever the audio's
        length."""
        options = dataclasses.replace(self.options, batch_size=batch_size, batch_min_seconds=0.0)
        return self.timed(samples, options)
