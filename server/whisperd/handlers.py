"""The handler of every operation in spec/openapi.yaml, named by its operationId in
snake_case (``createTranscription`` is :func:`create_transcription`).

Handlers stay thin: they read the validated request, hand it to the service and return
what it answers. The upload, already parsed and validated once by
:class:`whisperd.form.MultipartValidator`, is read from the request scope.
"""

from __future__ import annotations

import typing as t

from connexion import request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive

from whisperd.form import validated_form
from whisperd.observability import PROMETHEUS_MEDIA_TYPE
from whisperd.params import parse_audio_request
from whisperd.service import Transcriber


def _transcriber() -> Transcriber:
    transcriber = request.state.transcriber
    assert isinstance(transcriber, Transcriber)
    return transcriber


async def _audio(task: str) -> Response:
    form = validated_form(request.scope)
    transcriber = _transcriber()
    try:
        audio_request = parse_audio_request(
            form.values, task=task, default_vad=transcriber.settings.vad_filter
        )
        return await transcriber.handle(
            audio_request, form.files["file"], disconnected=_disconnected(request.receive)
        )
    finally:
        await form.close()


def _disconnected(receive: Receive) -> t.Callable[[], t.Awaitable[None]]:
    """Completes when the client closes the connection (the body is already read)."""

    async def wait() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    return wait


async def create_transcription() -> Response:
    """POST /v1/audio/transcriptions"""
    return await _audio("transcribe")


async def create_translation() -> Response:
    """POST /v1/audio/translations"""
    return await _audio("translate")


async def list_models() -> dict[str, t.Any]:
    """GET /v1/models"""
    return {"object": "list", "data": _transcriber().describe_models()}


async def retrieve_model(model: str) -> dict[str, t.Any]:
    """GET /v1/models/{model}"""
    return _transcriber().describe_model(model)


async def get_health() -> dict[str, t.Any]:
    """GET /health: alive, with the queue state."""
    stats = _transcriber().runner.stats()
    queue = {
        "workers": stats.workers,
        "running": stats.running,
        "waiting": stats.waiting,
        "max_queue": stats.max_queue,
    }
    return {"status": "ok", "queue": queue}


async def get_ready() -> Response:
    """GET /ready: 200 once the default model is loaded, 503 before (or if it failed)."""
    transcriber = _transcriber()
    body: dict[str, t.Any] = {
        "status": transcriber.readiness,
        "default_model": transcriber.models.default_model,
    }
    if transcriber.load_error:
        body["error"] = transcriber.load_error
    status = 200 if transcriber.readiness == "ready" else 503
    return JSONResponse(body, status_code=status)


async def get_metrics() -> Response:
    """GET /metrics: Prometheus text format."""
    return Response(_transcriber().metrics.render(), media_type=PROMETHEUS_MEDIA_TYPE)
