"""The transport-neutral core: a model, decoded audio and decoding options in, a
:class:`Transcript` (or its segments as they are decoded) out.

Every transport calls the same steps: :meth:`Service.model` resolves and loads the model a
request names, :meth:`Service.check` fits the decoding options to it, :meth:`Service.admit`
takes a place in the inference queue, :meth:`Service.decode` turns bytes into samples, and
:meth:`Service.transcribe` or :meth:`Service.stream` run the inference, which stops when the
awaiting task is cancelled (the client went away). Failures are
:class:`whisperd.errors.ApiError` values; rendering them, and the answer, is the transport's
job.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import threading
import time
import typing as t
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from whisperd import errors
from whisperd.core.scheduler import QueueFullError, QueueStats, Scheduler, Ticket
from whisperd.core.sizing import Sizing, size_for
from whisperd.diarize import (
    DiarizationCancelled,
    Diarizer,
    SessionSpeakers,
    SpeakerEncoder,
    SpeakerSegment,
    WeightsNotFoundError,
)
from whisperd.diarize.assign import Segment as PlainSegment
from whisperd.diarize.assign import Word as PlainWord
from whisperd.diarize.assign import assign_speakers
from whisperd.diarize.checkpoint import CheckpointError
from whisperd.diarize.transcript import DiarizedTranscript, speaker_segments
from whisperd.engine import allocator
from whisperd.engine.audio import (
    MIN_DURATION_SECONDS,
    SAMPLE_RATE,
    AudioDecodeError,
    AudioTooLongError,
    AudioTooShortError,
    DecodedAudio,
    decode_audio,
)
from whisperd.engine.transcribe import (
    Cancelled,
    DecodeOptions,
    Segment,
    Transcript,
    TranscriptInfo,
    start_transcription,
    transcribe,
)
from whisperd.metrics import Metrics
from whisperd.settings import Settings
from whisperd.store.catalog import ModelNotFoundError, ModelUnavailableError
from whisperd.store.manager import LoadedModel, ModelManager, ModelStatus

logger = logging.getLogger("whisperd.service")

Readiness = t.Literal["loading", "ready", "failed"]
IDLE_SWEEP_SECONDS = 30.0
# Known-speaker references: OpenAI documents 2-10 s, and its own recorded test sends 1.75 s.
REFERENCE_MIN_SECONDS = 1.5
REFERENCE_MAX_SECONDS = 10.0
KnownVoice = tuple[str, np.ndarray]  # a name and its 16 kHz reference clip


@dataclass
class Job:
    """Admitted work: the model, the audio, the options, and the place in the queue it holds
    from arrival until it is closed."""

    model: LoadedModel
    audio: DecodedAudio
    options: DecodeOptions
    ticket: Ticket

    def close(self) -> None:
        self.ticket.close()


class Service:
    def __init__(
        self, settings: Settings, metrics: Metrics | None = None, sizing: Sizing | None = None
    ) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.sizing = sizing or size_for(settings)
        self.models = ModelManager(
            default_model=settings.model,
            cache_dir=Path(settings.cache_dir).expanduser(),
            runtime=self.sizing.runtime,
            allow_local_paths=settings.allow_local_model_paths,
            max_loaded=settings.max_loaded_models,
            idle_ttl=settings.model_idle_ttl or None,
        )
        self.scheduler = Scheduler(workers=self.sizing.slots, max_queue=settings.max_queue)
        self.readiness: Readiness = "loading"
        self.load_error: str | None = None
        self.live_sessions = 0
        # Set when the server is going away: live sessions finish what they hold and close.
        self.draining = asyncio.Event()
        self.metrics.watch_engine(self)
        self._diarizer: Diarizer | None = None
        self._diarizer_lock = threading.Lock()

    # Lifecycle

    async def load_default_model(self) -> None:
        """Load the default model; readiness says "loading" until this is done."""
        try:
            await asyncio.to_thread(self.models.get, self.models.default_model)
        except (ModelNotFoundError, ModelUnavailableError) as exc:
            self.readiness = "failed"
            self.load_error = str(exc)
            logger.error("the default model could not be loaded: %s", exc)
            return
        self.readiness = "ready"

    async def sweep_idle_models(self) -> None:
        """Unload idle models for as long as the server runs (when an idle TTL is set)."""
        ttl = self.models.idle_ttl
        if ttl is None:
            return
        while True:
            await asyncio.sleep(min(IDLE_SWEEP_SECONDS, ttl))
            self.models.unload_idle()

    async def drain(self, timeout: float) -> int:
        """Going away: new live sessions are refused, open ones transcribe what they hold
        and close (1001). Waits up to ``timeout`` for them; returns how many are left."""
        self.draining.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self.live_sessions:
            logger.info("draining: %d live session(s) finishing", self.live_sessions)
        while self.live_sessions and loop.time() < deadline:
            await asyncio.sleep(0.05)
        return self.live_sessions

    async def close(self) -> None:
        """Cancel what still runs and wait for the workers to stop."""
        cancelled = self.scheduler.cancel_all()
        if cancelled:
            logger.info("shutting down: cancelled %d running transcription(s)", cancelled)
        await asyncio.to_thread(self.scheduler.shutdown)

    # State, for probes, metrics and the model list

    @property
    def default_model(self) -> str:
        return self.models.default_model

    def queue(self) -> QueueStats:
        return self.scheduler.stats()

    def model_statuses(self) -> list[ModelStatus]:
        return self.models.statuses()

    def engine_gauges(self) -> dict[str, float]:
        stats = self.scheduler.stats()
        gauges: dict[str, float] = {
            "queue_waiting": stats.waiting,
            "inference_running": stats.running,
            "inference_workers": stats.workers,
            "queue_limit": stats.max_queue,
        }
        in_use = allocator.in_use()
        if in_use is not None:
            gauges["malloc_in_use_bytes"] = in_use
        return gauges

    def loaded_models(self) -> list[str]:
        return self.models.loaded_ids()

    @contextlib.contextmanager
    def live_session(self, protocol: str) -> t.Iterator[None]:
        """Hold one of the ``max_live_sessions`` places while a socket session runs."""
        if self.draining.is_set():
            raise errors.server_shutting_down()
        if self.live_sessions >= self.settings.max_live_sessions:
            raise errors.too_many_live_sessions(self.settings.max_live_sessions)
        self.live_sessions += 1
        gauge = self.metrics.live_sessions.labels(protocol)
        gauge.inc()
        try:
            yield
        finally:
            self.live_sessions -= 1
            gauge.dec()

    # The steps of a transcription

    async def model(self, requested: str) -> LoadedModel:
        """The loaded model ``requested`` names (an id, an OpenAI name, or a directory)."""
        try:
            model_id = self.models.resolve(requested)
            return await asyncio.to_thread(self.models.get, model_id)
        except ModelNotFoundError as exc:
            raise errors.model_not_found(requested, exc.hint) from exc
        except ModelUnavailableError as exc:
            raise errors.model_unavailable(str(exc)) from exc

    @staticmethod
    def check(options: DecodeOptions, model: LoadedModel) -> DecodeOptions:
        """``options`` fitted to ``model``: what it cannot do is refused, and detection
        candidates it does not know are dropped."""
        if options.task == "translate" and not model.multilingual:
            raise errors.cannot_translate(model.id)
        supported = set(model.supported_languages)
        if options.language is not None and options.language not in supported:
            raise errors.unsupported_language(options.language, model.id)
        candidates = tuple(code for code in options.candidate_languages if code in supported)
        if options.candidate_languages and not candidates:
            raise errors.no_supported_candidate_language(model.id)
        return replace(options, candidate_languages=candidates)

    def admit(self, *, beyond_limit: bool = False) -> Ticket:
        """A place in the inference queue, taken now (work starts in arrival order)."""
        try:
            return self.scheduler.ticket(beyond_limit=beyond_limit)
        except QueueFullError as exc:
            stats = self.scheduler.stats()
            retry_after = self.scheduler.retry_after_seconds()
            raise errors.busy(stats.running, stats.waiting, stats.max_queue, retry_after) from exc

    async def decode(self, source: t.BinaryIO, filename: str | None = None) -> DecodedAudio:
        """The audio of ``source`` (any format FFmpeg reads) as 16 kHz mono samples."""
        name = _display_name(filename)
        source.seek(0, 2)
        if source.tell() == 0:
            raise errors.audio_too_short(MIN_DURATION_SECONDS)
        source.seek(0)
        try:
            return await asyncio.to_thread(
                decode_audio, source, max_duration=self.settings.max_audio_seconds
            )
        except AudioTooShortError as exc:
            raise errors.audio_too_short(MIN_DURATION_SECONDS) from exc
        except AudioTooLongError as exc:
            raise errors.audio_too_long(name, exc.limit_seconds, exc.duration_seconds) from exc
        except AudioDecodeError as exc:
            raise errors.audio_undecodable(name, str(exc)) from exc

    async def prepare(
        self,
        requested_model: str,
        options: DecodeOptions,
        source: t.BinaryIO,
        filename: str | None = None,
    ) -> Job:
        """Every step before inference, in the order that answers cheap errors first."""
        model = await self.model(requested_model)
        return await self.admitted(model, options, lambda: self.decode(source, filename))

    async def admitted(
        self,
        model: LoadedModel,
        options: DecodeOptions,
        audio: Callable[[], Awaitable[DecodedAudio]],
    ) -> Job:
        """Options checked, a place in the queue taken, then ``audio`` decoded: the place is
        given back if decoding fails."""
        fitted = self.check(options, model)
        ticket = self.admit()
        try:
            decoded = await audio()
        except BaseException:
            ticket.close()
            raise
        return Job(model, decoded, fitted, ticket)

    def job(
        self,
        model: LoadedModel,
        samples: np.ndarray,
        options: DecodeOptions,
        *,
        beyond_limit: bool = False,
    ) -> Job:
        """Admitted work on samples already at 16 kHz mono (live transports decode their own
        audio as it arrives)."""
        fitted = self.check(options, model)
        return Job(model, DecodedAudio(samples), fitted, self.admit(beyond_limit=beyond_limit))

    async def transcribe(self, job: Job) -> Transcript:
        """Run ``job`` to the end; cancelling the awaiting task stops the inference."""

        def work(cancel: threading.Event) -> Transcript:
            started = time.monotonic()
            transcript = transcribe(job.model.whisper, job.audio.samples, job.options, cancel)
            self._record(job, time.monotonic() - started)
            return transcript

        try:
            return await self.scheduler.run(work, job.ticket)
        finally:
            job.close()

    async def stream(self, job: Job) -> AsyncIterator[TranscriptInfo | Segment]:
        """The transcript's info, then each segment as it is decoded; closing the iterator
        early stops the inference."""

        def work(
            cancel: threading.Event, emit: t.Callable[[TranscriptInfo | Segment], None]
        ) -> None:
            started = time.monotonic()
            run = start_transcription(job.model.whisper, job.audio.samples, job.options, cancel)
            emit(run.info)
            for segment in run.segments:
                emit(segment)
            self._record(job, time.monotonic() - started)

        try:
            async for item in self.scheduler.stream(work, job.ticket):
                yield item
        finally:
            job.close()

    # Diarization

    def diarizer(self) -> Diarizer:
        """The speaker diarizer, its encoder loaded on first use and shared (read-only) by
        every request of the process."""
        with self._diarizer_lock:
            if self._diarizer is None:
                try:
                    encoder = SpeakerEncoder.load()
                except (WeightsNotFoundError, CheckpointError, OSError) as exc:
                    raise errors.diarization_unavailable(str(exc)) from exc
                self._diarizer = Diarizer(encoder)
            return self._diarizer

    async def known_voices(self, known: t.Sequence[tuple[str, bytes]]) -> list[KnownVoice]:
        """Each known speaker's (name, reference file bytes) decoded to 16 kHz samples, with
        OpenAI's bounds on its length; also loads the diarizer, so a server without its
        weights answers before the work is queued."""
        await asyncio.to_thread(self.diarizer)
        voices: list[KnownVoice] = []
        for index, (name, content) in enumerate(known):
            try:
                audio = await asyncio.to_thread(
                    decode_audio, io.BytesIO(content), max_duration=REFERENCE_MAX_SECONDS
                )
            except AudioTooShortError as exc:
                raise errors.reference_length(index, exc.duration_seconds) from exc
            except AudioTooLongError as exc:
                raise errors.reference_length(index, exc.duration_seconds) from exc
            except AudioDecodeError as exc:
                raise errors.reference_undecodable(index, str(exc)) from exc
            if not REFERENCE_MIN_SECONDS <= audio.duration <= REFERENCE_MAX_SECONDS:
                raise errors.reference_length(index, audio.duration)
            voices.append((name, audio.samples))
        return voices

    async def diarize(self, job: Job, known: t.Sequence[KnownVoice] = ()) -> DiarizedTranscript:
        """Transcribe ``job`` with word timestamps, then find who spoke when and split the
        segments by speaker, in the same worker; cancelling stops it inside the
        transcription or between the diarizer's steps."""

        def work(cancel: threading.Event) -> DiarizedTranscript:
            started = time.monotonic()
            transcript = transcribe(job.model.whisper, job.audio.samples, job.options, cancel)
            self._record(job, time.monotonic() - started)
            if cancel.is_set():
                raise Cancelled()
            diarizer = self.diarizer()
            started = time.monotonic()
            try:
                turns = diarizer.diarize(job.audio.samples, known=known, cancel=cancel)
            except DiarizationCancelled as exc:
                raise Cancelled() from exc
            logger.debug(
                "diarized %.1f s of audio in %.2f s", job.audio.duration, time.monotonic() - started
            )
            segments = speaker_segments(transcript.segments, turns)
            return DiarizedTranscript(transcript, segments, tuple(turns))

        try:
            return await self.scheduler.run(work, job.ticket)
        finally:
            job.close()

    async def diarize_turn(
        self,
        samples: np.ndarray,
        words: t.Sequence[PlainWord],
        speakers: SessionSpeakers,
    ) -> list[SpeakerSegment]:
        """One live turn's words (times from the turn's start) in speaker segments, labelled
        as the session's ``speakers`` know them; a place in the queue like a final decode's.
        Cancelling stops it between the diarizer's steps."""
        ticket = self.admit(beyond_limit=True)
        duration = len(samples) / SAMPLE_RATE

        def work(cancel: threading.Event) -> list[SpeakerSegment]:
            try:
                turns = self.diarizer().diarize_turn(samples, speakers, cancel=cancel)
            except DiarizationCancelled as exc:
                raise Cancelled() from exc
            text = "".join(word.text for word in words)
            whole = PlainSegment(0.0, duration, text, tuple(words))
            fallback = speakers.labels[0] if speakers.labels else "A"
            segments = assign_speakers([whole] if words else [], turns, unknown=fallback)
            return [segment for segment in segments if segment.text.strip()]

        try:
            return await self.scheduler.run(work, ticket)
        finally:
            ticket.close()

    def _record(self, job: Job, seconds: float) -> None:
        self.metrics.record_inference(job.options.task, job.model.id, job.audio.duration, seconds)


def _display_name(filename: str | None) -> str:
    """The uploaded file's name for messages: its last path component (clients may send a
    Windows path), quoted, and never used to touch the filesystem."""
    if not filename:
        return "(unnamed)"
    base = filename.replace("\\", "/").rsplit("/", 1)[-1][:120]
    return repr(base)
