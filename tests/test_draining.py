"""A server going away (SIGTERM, or a draining replica): its live sessions transcribe what
they were sent, then close with 1001; new sessions are refused while it drains."""

from __future__ import annotations

import json
import signal
import typing as t
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.sync.client import connect

from tests.support.asyncapi import validate_server_event
from tests.support.deepgram import refused_upgrade, validate_server_message
from tests.support.inprocess import app_client
from tests.support.paths import shared_path
from tests.support.realtime import (
    COMPLETED,
    TRANSCRIPTION_URL,
    Session,
    buffer_audio,
    load_samples,
    messages_until_closed,
    open_manual_session,
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
    with open_manual_session(ws_base(server) + TRANSCRIPTION_URL) as connection:
        buffer_audio(connection, pcm16(jfk))
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


def test_a_drain_commits_the_turn_server_vad_has_open(model_cache_dir: Path, jfk: t.Any) -> None:
    # Speech with no silence after it: the detector's turn is still open when the drain
    # starts, and is transcribed before the close.
    with app_client(model_cache_dir) as client:
        session = Session(client)
        try:
            assert session.next()["type"] == "session.created"
            session.send_audio(pcm16(jfk))
            # Events are handled in order: its answer means all the audio is in.
            session.send({"type": "conversation.item.retrieve", "item_id": "item_none"})
            session.until("error")
            service = client.app_state["service"]
            client.portal.start_task_soon(service.drain, 30.0)  # type: ignore[union-attr]
            events = session.until("error")
            code = session.closed()
        finally:
            session.close()
    assert code == GOING_AWAY
    assert events[-1]["error"]["code"] == "server_shutting_down"
    completed = [event for event in events if event["type"] == COMPLETED]
    # The clip's last words, which no silence after them would have ended as a turn.
    assert completed and "for your country" in completed[-1]["transcript"].lower()


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
    response = refused_upgrade(draining, "/v1/listen?encoding=linear16&sample_rate=16000")
    assert response.status_code == 503
    assert "shutting down" in response.json()["err_msg"]


def test_http_requests_are_still_answered_while_draining(draining: TestClient) -> None:
    assert draining.get("/health").status_code == 200
