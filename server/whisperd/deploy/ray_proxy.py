"""What whisperd adds to Ray Serve's HTTP proxy: a request whose replica died before it
answered goes again to another replica, and what the proxy itself answers is in the
protocol's own shape.

Ray Serve (2.60) loads proxy middlewares from the callback that
``RAY_SERVE_HTTP_PROXY_CALLBACK_IMPORT_PATH`` names (:data:`PROXY_CALLBACK`), in the proxy
actor's process: the local head sets it (``whisperd.deploy.head_env``); a cluster's nodes set it
when Ray starts (docs/ray.md). Without it the replicas serve the same, and a lost replica's
requests get Ray's plain-text 500.

What a lost replica leaves, by what it had sent:
- nothing: the request is sent again, as it came (its body is kept until the answer starts,
  up to :data:`REPLAY_LIMIT_BYTES`), at most :data:`ATTEMPTS` times in all; then a 503 with
  ``Retry-After`` in OpenAI's error shape (Deepgram's on ``/v1/listen``);
- part of an event stream: the stream ends with an ``error`` object, as whisperd ends a
  stream that fails, which the official SDKs raise as ``APIError``;
- an open WebSocket: an ``error`` event (Realtime) or an ``Error`` message (Deepgram), then
  close code 1012 (service restart: reconnect).
The proxy's own errors (a full queue, a timeout) keep their status and ``Retry-After`` and
get the protocol's body. This module imports no Ray: the proxy loads it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import typing as t
import uuid
from collections import deque

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from whisperd.deepgram import LISTEN_PATH
from whisperd.deepgram.results import error_body, error_headers, error_message
from whisperd.errors import INVALID_REQUEST, RATE_LIMIT, SERVER_ERROR, ApiError
from whisperd.http.errors import send_error
from whisperd.realtime.protocol import error_event

logger = logging.getLogger("whisperd.ray.proxy")

PROXY_CALLBACK_ENV = "RAY_SERVE_HTTP_PROXY_CALLBACK_IMPORT_PATH"
PROXY_CALLBACK = "whisperd.deploy.ray_proxy:middlewares"
ATTEMPTS = 3
REPLAY_LIMIT_BYTES = 64 * 2**20
RETRY_AFTER_SECONDS = 1
CLOSE_SERVICE_RESTART = 1012
CLOSE_TRY_AGAIN = 1013
RAY_OWN_PREFIX = "/-/"  # the proxy's health and routes endpoints: left as Ray answers them
SERVED_BY_HEADER = "X-Served-By"  # each replica names itself in it (deploy.ray.ReplicaApp)
SERVED_BY_RAW = SERVED_BY_HEADER.lower().encode()
EVENT_STREAM = b"text/event-stream"

Protocol = t.Literal["openai", "deepgram", "realtime"]
# The proxy's own answers below 500: its queue is full (429), a request timed out (408).
PROXY_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    429: (RATE_LIMIT, "rate_limit_exceeded"),
    408: (SERVER_ERROR, "timeout"),
}


def middlewares() -> list[Middleware]:
    """The callback Ray Serve's proxy calls for its middlewares."""
    return [Middleware(ReplicaLossGuard)]


Loss = t.Literal["request", "stream", "session"]
LOST: dict[Loss, str] = {
    "request": "No replica could answer this request (its replica stopped). Please retry.",
    "stream": "The replica serving this stream stopped before it ended. Please retry.",
    "session": "The replica serving this session stopped; audio not yet transcribed is lost. "
    "Reconnect to go on.",
}


def replica_lost(what: Loss) -> ApiError:
    return ApiError(
        503,
        LOST[what],
        type=SERVER_ERROR,
        code="replica_lost",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def protocol_of(scope: Scope) -> Protocol:
    if str(scope.get("path", "")).startswith(LISTEN_PATH):
        return "deepgram"
    return "realtime" if scope["type"] == "websocket" else "openai"


class Replay:
    """The client's messages as they came, so that another attempt can be given them again."""

    def __init__(self, receive: Receive, limit_bytes: int) -> None:
        self._receive = receive
        self._limit = limit_bytes
        self._log: list[Message] | None = []  # None: forgotten, no attempt can follow
        self._size = 0
        self.disconnected = False

    @property
    def held_messages(self) -> int:
        return len(self._log or ())

    @property
    def can_replay(self) -> bool:
        return self._log is not None and not self.disconnected

    def forget(self) -> None:
        """An answer has begun (or the body is over the limit): the copy goes."""
        self._log = None

    def forgetting(self, send: Send) -> Send:
        """``send``, forgetting the copy once anything goes out (a session's audio too)."""

        async def send_and_forget(message: Message) -> None:
            self.forget()
            await send(message)

        return send_and_forget

    def receiver(self) -> Receive:
        """A ``receive`` for one attempt: what earlier attempts read, then the client."""
        pending = deque(self._log or ())

        async def receive() -> Message:
            if pending:
                return pending.popleft()
            message = await self._receive()
            self._record(message)
            return message

        return receive

    def _record(self, message: Message) -> None:
        if message["type"] in ("http.disconnect", "websocket.disconnect"):
            self.disconnected = True
        if self._log is None:
            return
        self._size += len(message.get("body") or message.get("bytes") or message.get("text") or "")
        if self._size > self._limit:
            self.forget()
        else:
            self._log.append(message)


class HttpAnswer:
    """One attempt's answer on its way out: sent on as it comes, except the proxy's own
    errors, which are held and sent again in the protocol's shape."""

    def __init__(self, send: Send, protocol: Protocol) -> None:
        self._send = send
        self._protocol = protocol
        self._held: Message | None = None
        self._held_body = b""
        self.began = False  # the attempt sent something: no other attempt may follow
        self.complete = False
        self.event_stream = False

    async def send(self, message: Message) -> None:
        self.began = True
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            if message["status"] >= 400 and SERVED_BY_RAW not in headers:
                self._held = message
                return
            self.event_stream = headers.get(b"content-type", b"").startswith(EVENT_STREAM)
        elif message["type"] == "http.response.body" and self._held is not None:
            self._held_body += message.get("body", b"")
            if not message.get("more_body", False):
                await self._send_proxy_error(self._held)
            return
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.complete = True
        await self._send(message)

    async def finish(self) -> None:
        """The attempt is over: end an event stream it cut off with an ``error`` object."""
        if self.complete:
            return
        if self._held is not None:
            await self._send_proxy_error(self._held)
        elif self.event_stream:
            body = b"data: " + replica_lost("stream").json() + b"\r\n\r\n"
            await self._send({"type": "http.response.body", "body": body, "more_body": False})
            self.complete = True

    async def _send_proxy_error(self, start: Message) -> None:
        status = int(start["status"])
        retry_after = dict(start.get("headers", [])).get(b"retry-after")
        said = self._held_body.decode(errors="replace").strip()[:500] or f"status {status}"
        otherwise = (
            (SERVER_ERROR, "replica_unavailable") if status >= 500 else (INVALID_REQUEST, None)
        )
        kind, code = PROXY_ERROR_KINDS.get(status, otherwise)
        error = ApiError(
            status, f"Ray Serve's proxy answered for the replicas: {said}", kind, None, code
        )
        if retry_after is not None:
            error.headers["Retry-After"] = retry_after.decode()
        await send_http_error(self._send, self._protocol, error)
        self.complete = True


async def send_http_error(send: Send, protocol: Protocol, error: ApiError) -> None:
    """``error`` in the protocol's shape; the client's request was read, so the connection
    stays open."""
    if protocol != "deepgram":
        await send_error(send, error, close_connection=False)
        return
    request_id = str(uuid.uuid4())
    body = json.dumps(error_body(error, request_id)).encode()
    headers = {**error.headers, **error_headers(error, request_id)}
    error = dataclasses.replace(error, headers=headers)
    await send_error(send, error, body=body, close_connection=False)


class SocketAnswer:
    """One attempt's WebSocket messages on their way out, and how far the session got."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.accepted = False
        self.ended = False  # closed, or refused with an HTTP answer

    async def send(self, message: Message) -> None:
        if message["type"] == "websocket.accept":
            self.accepted = True
        elif message["type"] in ("websocket.close", "websocket.http.response.start"):
            self.ended = True
        await self._send(message)


def socket_error(protocol: Protocol, error: ApiError) -> str:
    if protocol == "deepgram":
        return json.dumps(error_message(error.message, "replica_lost"))
    return json.dumps(error_event(error))


class ReplicaLossGuard:
    """The proxy's ASGI app wrapped: see the module's docstring."""

    def __init__(self, app: ASGIApp, replay_limit_bytes: int = REPLAY_LIMIT_BYTES) -> None:
        self.app = app
        self.replay_limit_bytes = replay_limit_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if str(scope.get("path", "")).startswith(RAY_OWN_PREFIX):
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        protocol = protocol_of(scope)
        replay = Replay(receive, self.replay_limit_bytes)
        for attempt in range(1, ATTEMPTS + 1):
            answer = HttpAnswer(replay.forgetting(send), protocol)
            try:
                await self.app(dict(scope), replay.receiver(), answer.send)
            except Exception:
                logger.exception("the proxy failed on %s %s", scope["method"], scope["path"])
            if answer.began:
                with contextlib.suppress(OSError):
                    await answer.finish()
                return
            if not replay.can_replay:
                break
            if attempt < ATTEMPTS:
                logger.warning(
                    "%s %s: its replica stopped before answering; sending it again (%d/%d)",
                    scope["method"], scope["path"], attempt + 1, ATTEMPTS,
                )  # fmt: skip
        if not replay.disconnected:
            await send_http_error(send, protocol, replica_lost("request"))

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        protocol = protocol_of(scope)
        replay = Replay(receive, self.replay_limit_bytes)
        for attempt in range(1, ATTEMPTS + 1):
            answer = SocketAnswer(replay.forgetting(send))
            try:
                await self.app(dict(scope), replay.receiver(), answer.send)
            except Exception:
                logger.exception("the proxy failed on the WebSocket %s", scope["path"])
            if answer.ended:
                return
            if answer.accepted:  # the replica went while the session was open
                await self._close(send, protocol, replica_lost("session"), CLOSE_SERVICE_RESTART)
                return
            if not replay.can_replay:
                return
            if attempt < ATTEMPTS:
                logger.warning("a WebSocket's replica stopped before accepting it; again")
        await self._refuse(scope, send, protocol, replica_lost("request"))

    async def _close(self, send: Send, protocol: Protocol, error: ApiError, code: int) -> None:
        with contextlib.suppress(Exception):  # the client may be gone too
            await send({"type": "websocket.send", "text": socket_error(protocol, error)})
            await send({"type": "websocket.close", "code": code, "reason": "replica_lost"})

    async def _refuse(self, scope: Scope, send: Send, protocol: Protocol, error: ApiError) -> None:
        """No replica took the session: a 503 where the server can answer the handshake over
        HTTP (Deepgram refuses there), else an open, an error and 1013 (as a full server)."""
        if protocol == "deepgram" and "websocket.http.response" in scope.get("extensions", {}):
            denial = _DenialSend(send)
            with contextlib.suppress(Exception):
                await send_http_error(denial, protocol, error)
            return
        with contextlib.suppress(Exception):
            await send({"type": "websocket.accept"})
        await self._close(send, protocol, error, CLOSE_TRY_AGAIN)


class _DenialSend:
    """An HTTP answer sent as a WebSocket denial response."""

    def __init__(self, send: Send) -> None:
        self._send = send

    async def __call__(self, message: Message) -> None:
        await self._send({**message, "type": f"websocket.{message['type']}"})
