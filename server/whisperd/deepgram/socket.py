"""``GET /v1/listen`` upgraded to a WebSocket: Deepgram's live transcription.

What Deepgram refuses at the handshake is refused there, as an HTTP answer (the WebSocket
denial response) with Deepgram's error body and its ``dg-error`` and ``dg-request-id``
headers: a refused key (401), bad options or model (400), a full server (429). Once open,
the session closes as Deepgram's does: 1000 after ``CloseStream``, 1011 ``NET-0001`` when
the client sends nothing for the idle timeout (Deepgram's 10 s), 1008 ``DATA-0000`` when
the audio cannot be decoded.

Frames are read and messages sent by separate tasks: a client that stops reading fills its
bounded send queue and is closed, so it never blocks the engine or other sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import typing as t
import uuid

from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from whisperd.core.service import Service
from whisperd.deepgram import results
from whisperd.deepgram.options import listen_options, live_options
from whisperd.deepgram.session import PROTOCOL, DeepgramSession, StreamEnded
from whisperd.errors import ApiError
from whisperd.http.websocket import socket_auth
from whisperd.logs import request_id_var

logger = logging.getLogger("whisperd.deepgram")

SEND_QUEUE_MESSAGES = 1024
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_ERROR = 1011
NET_0001 = (
    "Deepgram did not receive audio data or a text message within the timeout window. "
    "See https://dpgr.am/net0001"
)
DATA_0000 = "DATA-0000: The payload cannot be decoded as audio."
SLOW_CLIENT = "The client is not reading the server's messages fast enough."
EXPIRED = "The session hit the server's maximum live session duration."
SHUTTING_DOWN = "The server is shutting down. Reconnect to go on."


async def deepgram_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    websocket = WebSocket(scope, receive, send)
    service = scope["state"]["service"]
    assert isinstance(service, Service)
    request_id = str(uuid.uuid4())
    token = request_id_var.set(request_id)
    try:
        await _handshake(websocket, service, request_id)
    finally:
        request_id_var.reset(token)


async def _handshake(websocket: WebSocket, service: Service, request_id: str) -> None:
    auth = socket_auth(websocket.scope)
    if auth.refusal is not None:
        await _deny(websocket, ApiError(401, "Invalid credentials."), request_id)
        return
    query: dict[str, list[str]] = {}
    for name, value in websocket.query_params.multi_items():
        query.setdefault(name, []).append(value)
    outbox: asyncio.Queue[dict[str, t.Any] | None] = asyncio.Queue(SEND_QUEUE_MESSAGES)
    overflowed = asyncio.Event()

    def send_message(message: dict[str, t.Any]) -> None:
        try:
            outbox.put_nowait(message)
        except asyncio.QueueFull:
            overflowed.set()

    try:
        options, live = listen_options(query), live_options(query)
        with service.live_session(PROTOCOL):
            session = DeepgramSession(service, options, live, send_message, request_id)
            try:
                await session.open()  # the model loads before the upgrade: errors are HTTP
            except BaseException:
                await session.close()
                raise
            subprotocol = "token" if "token" in auth.subprotocols else None
            headers = [(b"dg-request-id", request_id.encode())]
            await websocket.accept(subprotocol=subprotocol, headers=headers)
            await _serve(websocket, service, session, outbox, overflowed)
    except ApiError as exc:
        await _deny(websocket, exc, request_id)


async def _deny(websocket: WebSocket, error: ApiError, request_id: str) -> None:
    """Refuse the upgrade with an HTTP answer in Deepgram's shape."""
    body = results.error_body(error, request_id)
    if websocket.client_state != WebSocketState.CONNECTING:
        return
    response = JSONResponse(
        body, status_code=error.status, headers=results.error_headers(error, request_id)
    )
    try:
        await websocket.send_denial_response(response)
    except RuntimeError:  # the server lacks the denial extension: accept, then close
        await websocket.accept()
        await websocket.close(CLOSE_POLICY, error.message[:120])


async def _serve(
    websocket: WebSocket,
    service: Service,
    session: DeepgramSession,
    outbox: asyncio.Queue[dict[str, t.Any] | None],
    overflowed: asyncio.Event,
) -> None:
    settings = service.settings
    started = time.monotonic()
    sender = asyncio.create_task(_send_messages(websocket, outbox))
    logger.info("deepgram live session opened")
    close: tuple[int, str] | None = None
    try:
        close = await _supervise(websocket, session, service, overflowed)
        if close is not None and close[0] == CLOSE_GOING_AWAY:
            # As CloseStream: the final results of what was sent, then Metadata.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(session.close_stream(), settings.shutdown_timeout)
    finally:
        await session.close()
        if close is not None:
            await _finish(websocket, outbox, sender, close)
        sender.cancel()
        logger.info("deepgram live session closed after %.1f s", time.monotonic() - started)


async def _supervise(
    websocket: WebSocket, session: DeepgramSession, service: Service, overflowed: asyncio.Event
) -> tuple[int, str] | None:
    """Run the session until the client leaves (None) or it must close (code, reason)."""
    assert session.bad_audio is not None
    settings = service.settings
    reading = asyncio.create_task(_receive(websocket, session, settings.deepgram_idle_timeout))
    slow = asyncio.create_task(overflowed.wait())
    expiry = asyncio.create_task(asyncio.sleep(settings.live_session_seconds))
    draining = asyncio.create_task(service.draining.wait())
    bad_audio = session.bad_audio
    tasks = (reading, slow, expiry, draining)
    waits: set[asyncio.Future[t.Any]] = {*tasks, bad_audio}
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    if reading in done:
        return reading.result()
    if draining in done:
        return CLOSE_GOING_AWAY, SHUTTING_DOWN
    if bad_audio in done:
        return CLOSE_POLICY, DATA_0000
    if slow in done:
        return CLOSE_POLICY, SLOW_CLIENT
    return CLOSE_ERROR, EXPIRED


async def _receive(
    websocket: WebSocket, session: DeepgramSession, idle_timeout: float
) -> tuple[int, str] | None:
    while True:
        try:
            message = await asyncio.wait_for(websocket.receive(), idle_timeout)
        except asyncio.TimeoutError:
            return CLOSE_ERROR, NET_0001
        if message["type"] == "websocket.disconnect":
            return None
        try:
            if message.get("bytes") is not None:
                if not message["bytes"]:  # Deepgram's old way to close the stream
                    await session.close_stream()
                    return _ended(session)
                session.handle_binary(message["bytes"])
            elif message.get("text") is not None:
                await session.handle_text(message["text"])
        except StreamEnded:
            return _ended(session)


def _ended(session: DeepgramSession) -> tuple[int, str]:
    return (CLOSE_POLICY, DATA_0000) if session.undecodable else (CLOSE_NORMAL, "")


async def _send_messages(
    websocket: WebSocket, outbox: asyncio.Queue[dict[str, t.Any] | None]
) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while (message := await outbox.get()) is not None:
            await websocket.send_text(json.dumps(message, ensure_ascii=False))


async def _finish(
    websocket: WebSocket,
    outbox: asyncio.Queue[dict[str, t.Any] | None],
    sender: asyncio.Task[None],
    close: tuple[int, str],
) -> None:
    """Send what is queued, then close (bounded: the client may not read)."""
    with contextlib.suppress(asyncio.QueueFull):
        outbox.put_nowait(None)
    with contextlib.suppress(asyncio.TimeoutError, Exception):
        await asyncio.wait_for(asyncio.shield(sender), 5)
    if websocket.client_state != WebSocketState.DISCONNECTED:
        with contextlib.suppress(Exception):
            await websocket.close(close[0], close[1][:123])
