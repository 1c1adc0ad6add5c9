"""The handler of every operation in spec/openapi.yaml, named by its operationId in
snake_case (``createTranscription`` is :func:`create_transcription`).

Handlers stay thin: they read the validated request, hand it to the service and return
what it answers. The upload, already parsed and validated once by
:class:`whisperd.form.MultipartValidator`, is read from the request scope.
"""

from __future__ import annotations

import typing as t

from connexion import request
from starlette.responses import Response

from whisperd.form import validated_form
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
        return await transcriber.handle(audio_request, form.files["file"])
    finally:
        await form.close()


async def create_transcription() -> Response:
    """POST /v1/audio/transcriptions"""
    return await _audio("transcribe")


async def create_translation() -> Response:
    """POST /v1/audio/translations"""
    return await _audio("translate")


async def get_health() -> dict[str, t.Any]:
    """GET /health"""
    return {"status": "ok"}
