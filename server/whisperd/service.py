"""The work behind the audio endpoints: model, audio, inference, response.

Handlers hand this module an :class:`AudioRequest` and the uploaded file. It resolves and
loads the model, decodes the audio off the event loop, checks what depends on the model
(languages, translation), queues the inference, and renders the answer, or streams it.
Every failure comes out as an :class:`ApiError` in OpenAI's envelope.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import typing as t
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.responses import Response

from whisperd.engine.audio import (
    MIN_DURATION_SECONDS,
    AudioDecodeError,
    AudioTooLongError,
    AudioTooShortError,
    DecodedAudio,
    decode_audio,
)
from whisperd.engine.catalog import (
    KNOWN_MODELS,
    OPENAI_MODEL_ALIASES,
    InstalledModel,
    ModelNotFoundError,
    ModelUnavailableError,
    describe_directory,
    installed_models,
)
from whisperd.engine.models import LoadedModel, ModelManager, RuntimeOptions
from whisperd.engine.runner import InferenceRunner, QueueFullError, Ticket
from whisperd.engine.transcribe import (
    Cancelled,
    DecodeOptions,
    Segment,
    Transcript,
    TranscriptInfo,
    start_transcription,
    transcribe,
)
from whisperd.errors import ApiError, bad_request, not_found, server_error
from whisperd.formats import render
from whisperd.observability import Metrics
from whisperd.params import AudioRequest
from whisperd.settings import Settings
from whisperd.streaming import (
    DONE_FRAME,
    SSE_MEDIA_TYPE,
    DeltaStream,
    EventStreamResponse,
    done_event,
    error_frame,
    frame,
)

logger = logging.getLogger("whisperd.service")

Disconnected = t.Callable[[], t.Awaitable[None]]
# nginx's code for "the client closed the connection before the answer": never sent, logged.
CLIENT_CLOSED_REQUEST = 499

SUPPORTED_FORMATS = "['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']"


class Transcriber:
    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.readiness = "loading"
        self.load_error: str | None = None
        self.models = ModelManager(
            default_model=settings.model,
            cache_dir=Path(settings.cache_dir).expanduser(),
            runtime=RuntimeOptions(
                device=settings.device,
                compute_type=settings.compute_type,
                cpu_threads=settings.effective_cpu_threads,
                workers=settings.effective_workers,
            ),
            allow_local_paths=settings.allow_local_model_paths,
            max_loaded=settings.max_loaded_models,
            idle_ttl=settings.model_idle_ttl or None,
        )
        self.runner = InferenceRunner(
            workers=settings.effective_workers, max_queue=settings.max_queue
        )
        self.metrics.watch_engine(self)

    async def load_default_model(self) -> None:
        """Load the default model; /ready answers 503 until this is done."""
        try:
            await asyncio.to_thread(self.models.get, self.models.default_model)
        except (ModelNotFoundError, ModelUnavailableError) as exc:
            self.readiness = "failed"
            self.load_error = str(exc)
            logger.error("the default model could not be loaded: %s", exc)
            return
        self.readiness = "ready"

    # Read by /metrics at scrape time.
    def engine_gauges(self) -> dict[str, float]:
        stats = self.runner.stats()
        return {
            "queue_waiting": stats.waiting,
            "inference_running": stats.running,
            "inference_workers": stats.workers,
            "queue_limit": stats.max_queue,
        }

    def loaded_models(self) -> list[str]:
        return self.models.loaded_ids()

    def describe_models(self) -> list[dict[str, t.Any]]:
        """Installed models and the OpenAI names of the default, in OpenAI's shape."""
        described = [self._describe(model) for model in self._installed()]
        default = next((m for m in described if m["id"] == self.models.default_model), None)
        for alias in sorted(OPENAI_MODEL_ALIASES):
            entry = dict(default or {"id": alias, "object": "model", "created": 0})
            entry.update({"id": alias, "alias_of": self.models.default_model, "default": False})
            entry.setdefault("owned_by", "whisperd")
            described.append(entry)
        return described

    def describe_model(self, name: str) -> dict[str, t.Any]:
        for entry in self.describe_models():
            if entry["id"] == name:
                return entry
        shown = name if len(name) <= 256 else name[:256] + "…"
        raise not_found(
            f"The model '{shown}' does not exist or you do not have access to it.",
            param="model",
            code="model_not_found",
        )

    def _installed(self) -> list[InstalledModel]:
        installed = installed_models(self.models.cache_dir)
        ids = {model.id for model in installed}
        for model_id in [self.models.default_model, *self.models.loaded_ids()]:
            if model_id not in ids and model_id not in KNOWN_MODELS:
                loaded = self.models.peek(model_id)
                multilingual = loaded.multilingual if loaded else True
                installed.append(describe_directory(Path(model_id), multilingual))
                ids.add(model_id)
        return installed

    def _describe(self, model: InstalledModel) -> dict[str, t.Any]:
        loaded = self.models.peek(model.id)
        return {
            "id": model.id,
            "object": "model",
            "created": model.installed_at,
            "owned_by": "whisperd",
            "alias_of": None,
            "default": model.id == self.models.default_model,
            "loaded": loaded is not None,
            "multilingual": loaded.multilingual if loaded else model.multilingual,
            "languages": loaded.supported_languages if loaded else model.languages,
            "size_bytes": model.size_bytes,
        }

    async def handle(
        self, request: AudioRequest, upload: UploadFile, disconnected: Disconnected
    ) -> Response:
        """Answer ``request``; ``disconnected`` completes if the client goes away, which
        stops the work (queued, or between two segments of inference)."""
        model = await self._model(request.model)
        options = self._decode_options(request, model)
        try:
            ticket = self.runner.ticket()  # the queue position is taken on arrival
        except QueueFullError as exc:
            raise self._busy() from exc
        try:
            audio = await self._decode(upload)
        except BaseException:
            ticket.close()
            raise
        if request.stream:
            events = self._events(model, audio, options, request, ticket)
            return EventStreamResponse(events, media_type=SSE_MEDIA_TYPE, on_close=ticket.close)
        inference = asyncio.ensure_future(
            self.runner.run(self._timed(model, audio, options), ticket)
        )
        watcher = asyncio.ensure_future(disconnected())
        try:
            await asyncio.wait({inference, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watcher.cancel()
        if not inference.done():
            inference.cancel()
            logger.info("client disconnected; its transcription was cancelled")
            return Response(status_code=CLIENT_CLOSED_REQUEST)
        try:
            transcript = inference.result()
        except QueueFullError as exc:
            raise self._busy() from exc
        body, media_type = render(
            transcript,
            request.response_format,
            include_logprobs=request.include_logprobs,
            segments=request.segment_timestamps,
            words=request.word_timestamps,
            token_usage=request.token_usage,
        )
        return Response(body, media_type=media_type)

    def _timed(
        self, model: LoadedModel, audio: DecodedAudio, options: DecodeOptions
    ) -> t.Callable[[threading.Event], Transcript]:
        def work(cancel: threading.Event) -> Transcript:
            started = time.monotonic()
            transcript = transcribe(model, audio.samples, options, cancel)
            elapsed = time.monotonic() - started
            self.metrics.record_inference(options.task, model.id, audio.duration, elapsed)
            return transcript

        return work

    async def _model(self, requested: str) -> LoadedModel:
        try:
            model_id = self.models.resolve(requested)
            return await asyncio.to_thread(self.models.get, model_id)
        except ModelNotFoundError as exc:
            hint = f" {exc.hint}" if exc.hint else ""
            raise not_found(
                f"The model '{requested}' does not exist or you do not have access to it.{hint}",
                param="model",
                code="model_not_found",
            ) from exc
        except ModelUnavailableError as exc:
            raise server_error(str(exc), code="model_unavailable") from exc

    def _decode_options(self, request: AudioRequest, model: LoadedModel) -> DecodeOptions:
        if request.task == "translate" and not model.multilingual:
            raise bad_request(
                f"The model '{model.id}' is English-only and cannot translate. "
                "Use a multilingual model such as 'base'.",
                param="model",
                code="unsupported_value",
            )
        supported = set(model.supported_languages)
        if request.language is not None and request.language not in supported:
            raise bad_request(
                f"Language '{request.language}' is not supported by the model '{model.id}'.",
                param="language",
                code="unsupported_language",
            )
        candidates = tuple(code for code in request.candidate_languages if code in supported)
        if request.candidate_languages and not candidates:
            raise bad_request(
                f"None of the languages in languages[] is supported by the model '{model.id}'.",
                param="languages[]",
                code="unsupported_language",
            )
        return DecodeOptions(
            task=request.task,
            language=request.language,
            candidate_languages=candidates,
            prompt=request.prompt,
            temperature=request.temperature,
            beam_size=request.beam_size or self.settings.beam_size,
            word_timestamps=request.word_timestamps,
            token_logprobs=request.include_logprobs,
            vad=request.vad,
            hotwords=request.hotwords,
            condition_on_previous_text=request.condition_on_previous_text,
            # A stream must show text as each window is decoded, which batching would delay.
            batch_size=0 if request.stream else self.settings.batch_size,
            batch_min_seconds=self.settings.batch_min_seconds,
        )

    async def _decode(self, upload: UploadFile) -> DecodedAudio:
        name = _display_name(upload.filename)
        if upload.size == 0:
            raise self._too_short()
        upload.file.seek(0)
        try:
            return await asyncio.to_thread(
                decode_audio, upload.file, max_duration=self.settings.max_audio_seconds
            )
        except AudioTooShortError as exc:
            raise self._too_short() from exc
        except AudioTooLongError as exc:
            length = f" ({exc.duration_seconds:.0f} s)" if exc.duration_seconds else ""
            raise bad_request(
                f"The audio file {name} is too long{length}. The maximum audio length on this "
                f"server is {exc.limit_seconds:g} seconds.",
                param="file",
                code="audio_too_long",
            ) from exc
        except AudioDecodeError as exc:
            raise bad_request(
                f"Invalid file format. The file {name} could not be decoded as audio: {exc}. "
                f"Supported formats: {SUPPORTED_FORMATS}, and any other audio FFmpeg reads.",
                param="file",
            ) from exc

    @staticmethod
    def _too_short() -> ApiError:
        return bad_request(
            f"Audio file is too short. Minimum audio length is {MIN_DURATION_SECONDS:g} seconds.",
            param="file",
            code="audio_too_short",
        )

    def _busy(self) -> ApiError:
        """OpenAI's rate-limit answer: 429, type ``requests``, and when to retry."""
        stats = self.runner.stats()
        retry_after = self.runner.retry_after_seconds()
        return ApiError(
            429,
            f"The server is busy: {stats.running} request(s) running and {stats.waiting} "
            f"waiting (queue limit {stats.max_queue}). Please try again in {retry_after}s.",
            type="requests",
            code="rate_limit_exceeded",
            headers={"Retry-After": str(retry_after)},
        )

    async def _events(
        self,
        model: LoadedModel,
        audio: DecodedAudio,
        options: DecodeOptions,
        request: AudioRequest,
        ticket: Ticket,
    ) -> t.AsyncIterator[bytes]:
        def work(cancel: threading.Event, emit: t.Callable[[object], None]) -> None:
            started = time.monotonic()
            run = start_transcription(model, audio.samples, options, cancel)
            emit(run.info)
            for segment in run.segments:
                emit(segment)
            elapsed = time.monotonic() - started
            self.metrics.record_inference(options.task, model.id, audio.duration, elapsed)

        deltas = DeltaStream(include_logprobs=request.include_logprobs)
        info: TranscriptInfo | None = None
        segments: list[Segment] = []
        try:
            async for item in self.runner.stream(work, ticket):
                if isinstance(item, TranscriptInfo):
                    info = item
                    continue
                assert isinstance(item, Segment)
                segments.append(item)
                for event in deltas.events(item):
                    yield frame(event)
            assert info is not None
            transcript = Transcript(info=info, segments=segments)
            yield frame(done_event(transcript, include_logprobs=request.include_logprobs))
            yield DONE_FRAME
        except Cancelled:
            return
        except QueueFullError:
            yield error_frame(self._busy())
        except ApiError as exc:
            yield error_frame(exc)
        except Exception:
            logger.exception("transcription failed while streaming")
            yield error_frame(server_error("The transcription failed inside the server."))


def _display_name(filename: str | None) -> str:
    """The uploaded file's name for messages: its last path component (clients may send a
    Windows path), quoted, and never used to touch the filesystem."""
    if not filename:
        return "(unnamed)"
    base = filename.replace("\\", "/").rsplit("/", 1)[-1][:120]
    return repr(base)
