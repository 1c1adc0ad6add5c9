"""A server going away (SIGTERM, or a draining replica): its live sessions transcribe what
they were sent, then close with 1001; new sessions are refused while it drains."""

from __future__ import annotations

import json
import signal
import typing as t
from pathlib import Path

import pytest
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect
from websockets.sync.client import connect

from tests.support.asyncapi import validate_server_event
from tests.support.deepgram import validate_error, validate_server_message
from tests.support.inprocess import app_client
from tests.support.paths import shared_path
from tests.support.realtime import (
    COMPLETED,
    MANUAL,
    TRANSCRIPTION_URL,
    append_event,
    load_samples,
    messages_until_closed,
    pcm16,
)
from tests.support.server import ServerProcess, start_server

JFK = "audio/en_read/whisper.cpp__jfk.wav"
GOING_AWAY = 1001


@pytest.fixture()
def server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    process = start_server(tmp_path_factory, model_cache_dir, "--model", "tiny.en")
    yield process
    if process.process.poll() is None:
        process.stop()


@pytest.fixture(scope="module")
def jfk() -> t.Any:
    return load_samples(shared_path(JFK))


def ws_base(server: ServerProcess) -> str:
    return server.base_url.replace("http://", "ws://")


def test_sigterm_transcribes_a_realtime_sessions_buffer_then_closes_it_with_1001(
    server: ServerProcess, jfk: t.Any
) -> None:
    with connect(ws_base(server) + TRANSCRIPTION_URL, max_size=None) as connection:
        assert json.loads(connection.recv(timeout=30))["type"] == "session.created"
        connection.send(json.dumps(MANUAL))
        assert json.loads(connection.recv(timeout=30))["type"] == "session.updated"
        audio = pcm16(jfk)
        for start in range(0, len(audio), 48_000):
            connection.send(json.dumps(append_event(audio[start : start + 48_000])))
        # Events are handled in order: its answer means the audio is in the buffer.
        connection.send(json.dumps({"type": "conversation.item.retrieve", "item_id": "item_x"}))
        assert json.loads(connection.recv(timeout=30))["type"] == "error"
        server.process.send_signal(signal.SIGTERM)
        events, code = messages_until_closed(connection, validate_server_event)
    kinds = [event["type"] for event in events]
    assert COMPLETED in kinds, kinds
    completed = events[kinds.index(COMPLETED)]
    assert "ask not what your country" in completed["transcript"].lower()
    assert kinds[-1] == "error" and events[-1]["error"]["code"] == "server_shutting_down"
    assert code == GOING_AWAY
    assert server.process.wait(timeout=30) == 0


def test_sigterm_gives_a_deepgram_session_its_final_results_and_metadata_then_1001(
    server: ServerProcess, jfk: t.Any
) -> None:
    url = ws_base(server) + "/v1/listen?encoding=linear16&sample_rate=16000"
    with connect(url, max_size=None) as connection:
        audio = pcm16(jfk, 16_000)
        for start in range(0, len(audio), 32_000):
            connection.send(audio[start : start + 32_000])
        # Frames are handled in order: the answer to a bad one means the audio is in.
        connection.send("not a control message")
        before: list[dict[str, t.Any]] = []
        while (message := json.loads(connection.recv(timeout=30)))["type"] != "Error":
            before.append(message)
        server.process.send_signal(signal.SIGTERM)
        after, code = messages_until_closed(connection, validate_server_message)
    messages = before + after
    finals = " ".join(
        m["channel"]["alternatives"][0]["transcript"]
        for m in messages
        if m["type"] == "Results" and m["is_final"]
    )
    assert "ask not what your country" in finals.lower()
    assert messages[-1]["type"] == "Metadata"
    assert code == GOING_AWAY
    assert server.process.wait(timeout=30) == 0


@pytest.fixture(scope="module")
def draining(model_cache_dir: Path) -> t.Iterator[TestClient]:
    """An app whose service has begun to drain."""
    with app_client(model_cache_dir) as client:
        service = client.app_state["service"]
        client.portal.call(service.draining.set)  # type: ignore[union-attr]
        yield client


def test_a_draining_server_refuses_new_realtime_sessions(draining: TestClient) -> None:
    with draining.websocket_connect(TRANSCRIPTION_URL) as websocket:
        event = websocket.receive_json()
        validate_server_event(event)
        assert event["type"] == "error"
        assert event["error"]["code"] == "server_shutting_down"
        with pytest.raises(WebSocketDisconnect) as closed:
            websocket.receive_json()
    assert closed.value.code == 1013  # try again later: elsewhere


def test_a_draining_server_refuses_new_deepgram_sessions_with_503(draining: TestClient) -> None:
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        draining.websocket_connect("/v1/listen?encoding=linear16&sample_rate=16000"),
    ):
        pass
    assert refused.value.status_code == 503
    body = refused.value.json()
    validate_error(body)
    assert "shutting down" in body["err_msg"]


def test_http_requests_are_still_answered_while_draining(draining: TestClient) -> None:
    assert draining.get("/health").status_code == 200
