"""The guard whisperd puts in Ray Serve's proxy (whisperd.deploy.ray_proxy), in-process: the
inner app stands for Ray's proxy app, which returns without a word when the replica holding
a request dies, and answers its own errors in plain text."""

from __future__ import annotations

import asyncio
import importlib
import json
import typing as t

import pytest
from starlette.middleware import Middleware
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from whisperd.deploy.ray_proxy import (
    ATTEMPTS,
    CLOSE_SERVICE_RESTART,
    CLOSE_TRY_AGAIN,
    PROXY_CALLBACK,
    Replay,
    ReplicaLossGuard,
    middlewares,
)

from tests.support.asyncapi import validate_server_event
from tests.support.deepgram import refused_upgrade, validate_error, validate_server_message

REPLICA = [(b"x-served-by", b"replica-1")]


async def read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body


class LosesFirst:
    """A proxy whose first ``lost`` attempts reach a replica that dies before answering."""

    def __init__(self, lost: int) -> None:
        self.lost = lost
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        body = await read_body(receive)
        if self.calls <= self.lost:
            return
        answer = json.dumps({"echo": body.decode(), "attempt": self.calls}).encode()
        headers = [(b"content-type", b"application/json"), *REPLICA]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


def guarded(app: t.Any, **options: t.Any) -> TestClient:
    return TestClient(ReplicaLossGuard(app, **options), raise_server_exceptions=True)


def test_the_callback_ray_loads_returns_the_guard() -> None:
    module, _, name = PROXY_CALLBACK.partition(":")
    callback = getattr(importlib.import_module(module), name)
    assert callback is middlewares
    assert [(type(m), m.cls) for m in callback()] == [(Middleware, ReplicaLossGuard)]


def test_a_request_whose_replica_died_goes_again_with_its_body() -> None:
    app = LosesFirst(lost=1)
    answer = guarded(app).post("/v1/audio/transcriptions", content=b"audio bytes")
    assert answer.status_code == 200
    assert answer.json() == {"echo": "audio bytes", "attempt": 2}


def test_after_every_attempt_is_lost_the_answer_is_a_retryable_openai_error() -> None:
    app = LosesFirst(lost=ATTEMPTS)
    answer = guarded(app).post("/v1/audio/transcriptions", content=b"audio")
    assert app.calls == ATTEMPTS
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "1"
    error = answer.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["type"], error["code"]) == ("server_error", "replica_lost")


def test_a_lost_deepgram_request_gets_deepgrams_error_shape() -> None:
    answer = guarded(LosesFirst(lost=ATTEMPTS)).post("/v1/listen", content=b"audio")
    assert answer.status_code == 503
    validate_error(answer.json())
    assert answer.json()["err_code"] == "SERVICE_UNAVAILABLE"
    assert answer.headers["dg-request-id"] == answer.json()["request_id"]


def test_a_body_over_the_replay_limit_is_not_sent_again() -> None:
    app = LosesFirst(lost=1)
    answer = guarded(app, replay_limit_bytes=4).post("/v1/audio/transcriptions", content=b"12345")
    assert app.calls == 1
    assert answer.status_code == 503


def test_a_request_whose_client_left_is_not_sent_again() -> None:
    calls: list[int] = []
    sent: list[Message] = []
    incoming: list[Message] = [
        {"type": "http.request", "body": b"audio", "more_body": False},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    async def proxy_seeing_the_client_leave(scope: Scope, rcv: Receive, snd: Send) -> None:
        calls.append(1)
        await read_body(rcv)
        assert (await rcv())["type"] == "http.disconnect"

    scope = {"type": "http", "method": "POST", "path": "/v1/audio/transcriptions"}
    asyncio.run(ReplicaLossGuard(proxy_seeing_the_client_leave)(scope, receive, send))
    assert (len(calls), sent) == (1, [])


async def plain_text_backpressure(scope: Scope, receive: Receive, send: Send) -> None:
    await read_body(receive)
    text = b"Request dropped due to backpressure (num_queued_requests=2, max_queued_requests=2)."
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"3")]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": text})


def test_the_proxys_own_error_gets_openais_shape_and_keeps_status_and_retry_after() -> None:
    answer = guarded(plain_text_backpressure).post("/v1/audio/transcriptions", content=b"a")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "3"
    error = answer.json()["error"]
    assert error["type"] == "server_error"
    assert "backpressure" in error["message"]


def test_a_replicas_own_error_passes_unchanged() -> None:
    async def replica_error(scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)
        headers = [(b"content-type", b"text/plain"), *REPLICA]
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": b"as the replica said it"})

    answer = guarded(replica_error).post("/v1/audio/transcriptions", content=b"a")
    assert (answer.status_code, answer.text) == (500, "as the replica said it")


async def stream_cut_after_one_event(scope: Scope, receive: Receive, send: Send) -> None:
    await read_body(receive)
    headers = [(b"content-type", b"text/event-stream; charset=utf-8"), *REPLICA]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    delta = b'data: {"type":"transcript.text.delta","delta":"Hello"}\r\n\r\n'
    await send({"type": "http.response.body", "body": delta, "more_body": True})


def test_a_stream_its_replica_cut_off_ends_with_an_error_object() -> None:
    answer = guarded(stream_cut_after_one_event).post("/v1/audio/transcriptions", content=b"a")
    frames = [f.removeprefix("data: ") for f in answer.text.split("\r\n\r\n") if f]
    assert json.loads(frames[0])["delta"] == "Hello"
    assert json.loads(frames[-1])["error"]["code"] == "replica_lost"
    assert len(frames) == 2


def test_the_openai_sdk_raises_the_cut_streams_error() -> None:
    import httpx
    import openai

    transport = httpx.ASGITransport(app=ReplicaLossGuard(stream_cut_after_one_event))

    async def read() -> list[str]:
        http = httpx.AsyncClient(transport=transport, base_url="http://proxy")
        client = openai.AsyncOpenAI(base_url="http://proxy/v1", api_key="-", http_client=http)
        deltas: list[str] = []
        stream = await client.audio.transcriptions.create(
            model="whisper-1", file=("a.wav", b"a"), stream=True
        )
        with pytest.raises(openai.APIError, match="stopped before it ended"):
            async for event in stream:
                deltas.append(event.delta)  # type: ignore[union-attr]
        return deltas

    assert asyncio.run(read()) == ["Hello"]


class SocketLost:
    """A proxy whose replica accepts a session, sends an event, then dies."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": '{"type":"session.created"}'})


def test_a_realtime_session_its_replica_lost_gets_an_error_event_and_1012() -> None:
    with guarded(SocketLost()).websocket_connect("/v1/realtime?intent=transcription") as socket:
        assert socket.receive_json()["type"] == "session.created"
        event = socket.receive_json()
        validate_server_event(event)
        assert (event["type"], event["error"]["code"]) == ("error", "replica_lost")
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == CLOSE_SERVICE_RESTART


def test_a_deepgram_session_its_replica_lost_gets_an_error_message_and_1012() -> None:
    with guarded(SocketLost()).websocket_connect("/v1/listen") as socket:
        socket.receive_json()
        message = socket.receive_json()
        validate_server_message(message)
        assert message["type"] == "Error"
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == CLOSE_SERVICE_RESTART


def test_an_open_sessions_audio_is_not_kept_in_the_proxy() -> None:
    frames: list[Message] = [{"type": "websocket.connect"}] + [
        {"type": "websocket.receive", "bytes": b"\0" * 4800} for _ in range(50)
    ]

    async def receive() -> Message:
        return frames.pop(0)

    async def ignore(message: Message) -> None:
        pass

    async def session() -> Replay:
        replay = Replay(receive, limit_bytes=2**20)
        rcv, snd = replay.receiver(), replay.forgetting(ignore)
        await rcv()
        await snd({"type": "websocket.accept"})
        while frames:
            await rcv()
        return replay

    replay = asyncio.run(session())
    assert (replay.held_messages, replay.can_replay) == (0, False)


class AcceptsOnAttempt:
    def __init__(self, attempt: int) -> None:
        self.attempt = attempt
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        assert (await receive())["type"] == "websocket.connect"
        if self.calls < self.attempt:
            return
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 1000})


def test_a_handshake_whose_replica_died_goes_again() -> None:
    app = AcceptsOnAttempt(2)
    with (
        guarded(app).websocket_connect("/v1/realtime") as socket,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        socket.receive_json()
    assert (app.calls, closed.value.code) == (2, 1000)


def test_a_realtime_handshake_no_replica_took_is_refused_with_1013() -> None:
    app = AcceptsOnAttempt(ATTEMPTS + 1)
    with guarded(app).websocket_connect("/v1/realtime") as socket:
        event = socket.receive_json()
        validate_server_event(event)
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == CLOSE_TRY_AGAIN


def test_a_deepgram_handshake_no_replica_took_is_refused_with_a_503() -> None:
    refusal = refused_upgrade(guarded(AcceptsOnAttempt(ATTEMPTS + 1)), "/v1/listen")
    assert refusal.status_code == 503
    assert refusal.json()["err_code"] == "SERVICE_UNAVAILABLE"
