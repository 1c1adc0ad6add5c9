"""The handler of every operation in spec/openapi.yaml, named by its operationId in
snake_case (``createTranscription`` is :func:`create_transcription`).

Handlers stay thin: they build the request plan from the validated form (parsed once by
:class:`whisperd.http.form.MultipartValidator` and read from the request scope), hand it to
the service, and turn what it returns into an HTTP response.
"""

from __future__ import annotations

import logging
import typing as t

from connexion import request
from starlette.responses import JSONResponse, Response

from whisperd import errors
from whisperd.api import diarized
from whisperd.api.events import transcript_events
from whisperd.api.formats import render
from whisperd.api.models import model_entry, model_list
from whisperd.api.plan import PlanDefaults, StreamOptions, TranscriptionPlan, plan_request
from whisperd.core.service import Job, KnownVoice, Service
from whisperd.deepgram.rest import deepgram_listen as deepgram_listen  # POST /v1/listen
from whisperd.engine.transcribe import Task
from whisperd.http.disconnect import CLIENT_CLOSED_REQUEST, ClientGone, until_disconnected
from whisperd.http.form import validated_form
from whisperd.http.sse import EventStreamResponse
from whisperd.metrics import PROMETHEUS_MEDIA_TYPE

logger = logging.getLogger("whisperd.http")


def _service() -> Service:
    service = request.state.service
    assert isinstance(service, Service)
    return service


async def _audio(task: Task) -> Response:
    form = validated_form(request.scope)
    service = _service()
    try:
        plan = plan_request(
            form.values, task=task, defaults=PlanDefaults.from_settings(service.settings)
        )
        upload = form.files["file"]
        known: list[KnownVoice] = []
        if plan.speakers is not None:  # before the queue: the references are cheap to check
            pairs = [(speaker.name, speaker.audio) for speaker in plan.speakers.known]
            known = await service.known_voices(pairs)
        job = await service.prepare(plan.model, plan.decoding, upload.file, upload.filename)
        _check_chunking(plan, job)
        if plan.speakers is not None:
            return await _diarized(service, plan, job, known)
        if isinstance(plan.output, StreamOptions):
            events = transcript_events(service.stream(job), plan.output)
            return EventStreamResponse(events, on_close=job.close)
        transcript = await until_disconnected(service.transcribe(job), request.receive)
        if isinstance(transcript, ClientGone):
            logger.info("client disconnected; its transcription was cancelled")
            return Response(status_code=CLIENT_CLOSED_REQUEST)
        body, media_type = render(transcript, plan.output)
        return Response(body, media_type=media_type)
    finally:
        await form.close()


def _check_chunking(plan: TranscriptionPlan, job: Job) -> None:
    limit = plan.unchunked_max_seconds
    if limit is not None and job.audio.duration > limit:
        job.close()
        raise errors.chunking_strategy_required(limit, job.audio.duration)


async def _diarized(
    service: Service, plan: TranscriptionPlan, job: Job, known: list[KnownVoice]
) -> Response:
    if isinstance(plan.output, StreamOptions):
        events = diarized.segment_events(service.diarize(job, known))
        return EventStreamResponse(events, on_close=job.close)
    result = await until_disconnected(service.diarize(job, known), request.receive)
    if isinstance(result, ClientGone):
        logger.info("client disconnected; its transcription was cancelled")
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    body, media_type = diarized.render(result, plan.output)
    return Response(body, media_type=media_type)


async def create_transcription() -> Response:
    """POST /v1/audio/transcriptions"""
    return await _audio("transcribe")


async def create_translation() -> Response:
    """POST /v1/audio/translations"""
    return await _audio("translate")


async def list_models() -> dict[str, t.Any]:
    """GET /v1/models"""
    service = _service()
    return {"object": "list", "data": model_list(service.model_statuses(), service.default_model)}


async def retrieve_model(model: str) -> dict[str, t.Any]:
    """GET /v1/models/{model}"""
    service = _service()
    return model_entry(service.model_statuses(), service.default_model, model)


async def get_health() -> dict[str, t.Any]:
    """GET /health: alive, with the queue state."""
    stats = _service().queue()
    queue = {
        "workers": stats.workers,
        "running": stats.running,
        "waiting": stats.waiting,
        "max_queue": stats.max_queue,
    }
    return {"status": "ok", "queue": queue}


async def get_ready() -> Response:
    """GET /ready: 200 once the default model is loaded, 503 before (or if it failed)."""
    service = _service()
    body: dict[str, t.Any] = {"status": service.readiness, "default_model": service.default_model}
    if service.load_error:
        body["error"] = service.load_error
    return JSONResponse(body, status_code=200 if service.readiness == "ready" else 503)


async def get_metrics() -> Response:
    """GET /metrics: Prometheus text format."""
    return Response(_service().metrics.render(), media_type=PROMETHEUS_MEDIA_TYPE)


# The web page's routes (GET / and GET /ui/{file}) live in their own module.
from whisperd.http.ui import get_ui_file as get_ui_file  # noqa: E402
from whisperd.http.ui import get_ui_index as get_ui_index  # noqa: E402
