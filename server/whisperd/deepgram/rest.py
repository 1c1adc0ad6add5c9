"""``POST /v1/listen``: Deepgram's pre-recorded transcription, the audio as the raw body.

The body is bounded by the app's upload limit (:mod:`whisperd.http.limits`) as it streams
in. A JSON body naming a ``url`` is refused: the server never fetches URLs. Every error of
the route is answered in Deepgram's shape by :class:`DeepgramErrorMiddleware`, whichever
layer raised it (keys, limits, Connexion's validation, the core).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging

import numpy as np
from connexion import request
from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from whisperd import errors
from whisperd.core.service import Job, Service
from whisperd.deepgram import LISTEN_PATH, results
from whisperd.deepgram.options import ListenOptions, listen_options, load_model
from whisperd.diarize.assign import speaker_of
from whisperd.diarize.transcript import DiarizedTranscript
from whisperd.engine.audio import MIN_DURATION_SECONDS, SAMPLE_RATE, DecodedAudio
from whisperd.engine.transcribe import DecodeOptions, Transcript
from whisperd.errors import ApiError
from whisperd.http.disconnect import CLIENT_CLOSED_REQUEST, ClientGone, until_disconnected
from whisperd.live.pcm import PcmDecoder, PcmFormat
from whisperd.logs import request_id_var

logger = logging.getLogger("whisperd.deepgram")

UNDECODABLE = "Bad Request: failed to process audio: corrupt or unsupported data"


def _query() -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        query.setdefault(name, []).append(value)
    return query


def _refuse_json(body: bytes) -> ApiError:
    try:
        document = json.loads(body or b"null")
    except ValueError:
        document = None
    if isinstance(document, dict) and "url" in document:
        return errors.bad_request(
            "This server does not fetch audio from URLs: send the audio itself as the request "
            "body (Content-Type: audio/* or application/octet-stream).",
            param="url",
        )
    return errors.bad_request(
        'Content-type was application/json, but the body is not {"url": ...}; send the '
        "audio itself as the request body."
    )


def decode_options(service: Service, options: ListenOptions) -> DecodeOptions:
    settings = service.settings
    return DecodeOptions(
        language=options.language,
        beam_size=settings.beam_size,
        word_timestamps=True,
        hotwords=options.hotwords,
        batch_size=settings.batch_size,
        batch_min_seconds=settings.batch_min_seconds,
        seed=settings.seed,
    )


def _raw_samples(body: bytes, options: ListenOptions, max_seconds: float) -> np.ndarray:
    assert options.encoding is not None and options.sample_rate is not None
    fmt = PcmFormat(options.encoding, options.sample_rate, options.channels)
    seconds = len(body) / fmt.frame_bytes / fmt.sample_rate
    if seconds > max_seconds:  # before resampling it
        raise errors.audio_too_long("sent", max_seconds, seconds)
    decoder = PcmDecoder(fmt)
    samples = np.concatenate([decoder.push(body), decoder.flush()])
    if len(samples) < MIN_DURATION_SECONDS * SAMPLE_RATE:
        raise errors.audio_too_short(MIN_DURATION_SECONDS)
    return samples


async def _audio(service: Service, options: ListenOptions, body: bytes) -> DecodedAudio:
    try:
        if options.encoding is not None:
            limit = service.settings.max_audio_seconds
            return DecodedAudio(await asyncio.to_thread(_raw_samples, body, options, limit))
        return await service.decode(io.BytesIO(body))
    except ApiError as exc:
        if exc.param == "file" and exc.code is None:  # undecodable: Deepgram's words
            raise errors.bad_request(UNDECODABLE, param="file") from exc
        raise


async def _job(service: Service, options: ListenOptions, body: bytes) -> Job:
    model = await load_model(service, options.model)
    return await service.admitted(
        model, decode_options(service, options), lambda: _audio(service, options, body)
    )


async def _answer(
    service: Service, job: Job, options: ListenOptions
) -> Transcript | DiarizedTranscript:
    if options.diarize:
        return await service.diarize(job)
    return await service.transcribe(job)


async def deepgram_listen() -> Response:
    """POST /v1/listen"""
    service = request.state.service
    assert isinstance(service, Service)
    body = await request.body()
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        raise _refuse_json(body)
    options = listen_options(_query())
    if options.diarize:  # before the queue: a server without the encoder's weights says so
        await asyncio.to_thread(service.diarizer)
    job = await _job(service, options, body)
    answered = await until_disconnected(_answer(service, job, options), request.receive)
    if isinstance(answered, ClientGone):
        logger.info("client disconnected; its transcription was cancelled")
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    if isinstance(answered, DiarizedTranscript):
        transcript, turns = answered.transcript, answered.turns
    else:
        transcript, turns = answered, None
    words = results.dg_words(transcript.words, written=lambda w: w.text or w.word)
    if turns is not None:
        words = results.with_speakers(words, lambda start, end: speaker_of(turns, start, end))
    answer = results.prerecorded(
        request_id=request_id_var.get(),
        model_id=job.model.id,
        duration=transcript.info.duration,
        words=words,
        punctuated=options.punctuated,
        with_paragraphs=options.paragraphs,
        with_utterances=options.utterances,
        utt_split=options.utt_split,
        detected_language=transcript.info.language if options.detect_language else None,
        language_confidence=transcript.info.language_probability,
        sha256=hashlib.sha256(body).hexdigest(),
    )
    return JSONResponse(answer)


class DeepgramErrorMiddleware:
    """Rewrites the error answers of ``/v1/listen`` (OpenAI's envelope, from whichever layer)
    into Deepgram's ``{"err_code", "err_msg", "request_id"}``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != LISTEN_PATH:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def rewriting_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] >= 400:
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = json.dumps(_deepgram_error(start["status"], b"".join(chunks))).encode()
            headers = MutableHeaders(scope=start)
            headers["content-type"] = "application/json"
            headers["content-length"] = str(len(body))
            if start["status"] == 401:
                headers["www-authenticate"] = 'Token realm="whisperd"'
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewriting_send)


def _deepgram_error(status: int, body: bytes) -> dict[str, str]:
    message = body.decode(errors="replace")
    try:
        document = json.loads(body)
        message = str(document["error"]["message"])
    except (ValueError, KeyError, TypeError):
        pass
    if status == 401:
        message = "Invalid credentials."  # Deepgram's words for a missing or wrong key
    return results.error_body(ApiError(status, message), request_id_var.get())
