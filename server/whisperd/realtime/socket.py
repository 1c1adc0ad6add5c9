"""``GET /v1/realtime?intent=transcription``: the WebSocket endpoint of the Realtime API.

The handshake picks the dialect (``OpenAI-Beta: realtime=v1`` or the
``openai-beta.realtime-v1`` subprotocol: beta; otherwise GA) and accepts the ``realtime``
subprotocol browsers offer. A refused key, a full server or a model that cannot be had is
one ``error`` event, then the close (OpenAI's codes: 3000 for keys, 4000 otherwise), before
any audio is read.

Frames are read and events sent by separate tasks: a client that stops reading fills its
bounded send queue and is closed, so it never blocks the engine or other sessions; one that
vanishes ends the session, which cancels its decodes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import typing as t

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from whisperd import errors
from whisperd.core.service import Service
from whisperd.errors import ApiError
from whisperd.http.websocket import socket_auth
from whisperd.logs import request_id_var
from whisperd.realtime.protocol import Dialect, error_event
from whisperd.realtime.session import PROTOCOL, RealtimeSession, SessionLimits

logger = logging.getLogger("whisperd.realtime")

REALTIME_PATH = "/v1/realtime"
BETA_SUBPROTOCOL = "openai-beta.realtime-v1"
CLOSE_UNAUTHORIZED = 3000  # as OpenAI closes a refused key
CLOSE_ERROR = 4000  # as OpenAI closes after a fatal error
CLOSE_TRY_AGAIN = 1013
CLOSE_GOING_AWAY = 1001  # the server is shutting down (or its replica draining)
SEND_QUEUE_EVENTS = 1024


def _dialect(websocket: WebSocket, offered: tuple[str, ...]) -> Dialect:
    beta_header = websocket.headers.get("openai-beta", "").replace(" ", "").lower()
    return "beta" if "realtime=v1" in beta_header or BETA_SUBPROTOCOL in offered else "ga"


async def realtime_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    websocket = WebSocket(scope, receive, send)
    auth = socket_auth(scope)
    service = scope["state"]["service"]
    assert isinstance(service, Service)
    subprotocol = "realtime" if "realtime" in auth.subprotocols else None
    await websocket.accept(subprotocol=subprotocol)
    if auth.refusal is not None:
        await _refuse(websocket, auth.refusal, CLOSE_UNAUTHORIZED)
        return
    if websocket.query_params.get("intent", "transcription") != "transcription":
        refusal = ApiError(
            400,
            "This server serves transcription sessions only: connect with ?intent=transcription.",
            param="intent",
            code="invalid_value",
        )
        await _refuse(websocket, refusal, CLOSE_ERROR)
        return
    try:
        with service.live_session(PROTOCOL):
            await _serve(websocket, service, _dialect(websocket, auth.subprotocols))
    except ApiError as exc:  # the session limit, or a server going away
        await _refuse(websocket, exc, CLOSE_TRY_AGAIN)


async def _refuse(websocket: WebSocket, error: ApiError, code: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(json.dumps(error_event(error)))
        await websocket.close(code, f"{error.type}.{error.code}"[:120])


async def _serve(websocket: WebSocket, service: Service, dialect: Dialect) -> None:
    settings = service.settings
    outbox: asyncio.Queue[dict[str, t.Any] | None] = asyncio.Queue(SEND_QUEUE_EVENTS)
    overflowed = asyncio.Event()

    def send_event(event: dict[str, t.Any]) -> None:
        try:
            outbox.put_nowait(event)
        except asyncio.QueueFull:
            overflowed.set()

    limits = SessionLimits(
        max_append_bytes=settings.live_max_append_bytes,
        max_buffer_seconds=settings.live_max_buffer_seconds,
        session_seconds=settings.live_session_seconds,
    )
    session = RealtimeSession(
        service, dialect, send_event, limits, websocket.query_params.get("model")
    )
    token = request_id_var.set(session.id)
    started = time.monotonic()
    sender = asyncio.create_task(_send_events(websocket, outbox))
    reason: ApiError | None = None
    code = CLOSE_ERROR
    try:
        try:
            await session.open()
        except ApiError as exc:
            reason = exc
            return
        logger.info("realtime session opened (%s dialect)", dialect)
        reason = await _supervise(websocket, session, service, overflowed)
        if reason is not None and reason.code == "server_shutting_down":
            await session.finish(settings.shutdown_timeout)
            code = CLOSE_GOING_AWAY
    finally:
        await session.close()
        if reason is not None:
            await _finish(websocket, outbox, sender, reason, code)
        sender.cancel()
        logger.info("realtime session closed after %.1f s", time.monotonic() - started)
        request_id_var.reset(token)


async def _supervise(
    websocket: WebSocket, session: RealtimeSession, service: Service, overflowed: asyncio.Event
) -> ApiError | None:
    """Run the session until the client leaves (None) or it must end (why)."""
    settings = service.settings
    reading = asyncio.create_task(_receive_events(websocket, session, settings.live_idle_timeout))
    slow = asyncio.create_task(overflowed.wait())
    expiry = asyncio.create_task(asyncio.sleep(settings.live_session_seconds))
    draining = asyncio.create_task(service.draining.wait())
    tasks = {reading, slow, expiry, draining}
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    if reading in done:
        return reading.result()
    if draining in done:
        return errors.server_shutting_down()
    if slow in done:
        return ApiError(
            400,
            "The client is not reading the server's events fast enough.",
            code="client_too_slow",
        )
    return errors.live_session_expired(settings.live_session_seconds)


async def _receive_events(
    websocket: WebSocket, session: RealtimeSession, idle_timeout: float
) -> ApiError | None:
    while True:
        try:
            message = await asyncio.wait_for(websocket.receive(), idle_timeout)
        except asyncio.TimeoutError:
            return errors.live_session_idle(idle_timeout)
        if message["type"] == "websocket.disconnect":
            return None
        if message.get("text") is not None:
            await session.handle_text(message["text"])
        elif message.get("bytes") is not None:
            session.handle_binary()


async def _send_events(
    websocket: WebSocket, outbox: asyncio.Queue[dict[str, t.Any] | None]
) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while (event := await outbox.get()) is not None:
            await websocket.send_text(json.dumps(event, ensure_ascii=False))


async def _finish(
    websocket: WebSocket,
    outbox: asyncio.Queue[dict[str, t.Any] | None],
    sender: asyncio.Task[None],
    reason: ApiError,
    code: int = CLOSE_ERROR,
) -> None:
    """Send what is queued, the reason, then close (bounded: the client may not read)."""
    with contextlib.suppress(asyncio.QueueFull):
        outbox.put_nowait(error_event(reason))
        outbox.put_nowait(None)
    with contextlib.suppress(asyncio.TimeoutError, Exception):
        await asyncio.wait_for(asyncio.shield(sender), 5)
    if websocket.client_state != WebSocketState.DISCONNECTED:
        with contextlib.suppress(Exception):
            await websocket.close(code, f"{reason.type}.{reason.code}"[:120])
