"""Live sessions on a real server process: a client that vanishes mid-turn frees its
inference at once, a client that stops reading blocks nobody, many sessions at once are
each served, live metrics are exported, and a stalled HTTP upload is dropped."""

from __future__ import annotations

import concurrent.futures
import json
import re
import socket
import time
import typing as t
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import ClientConnection

from tests.support.asyncapi import validate_server_event
from tests.support.audio import GeneratedAudio
from tests.support.http import URL, queue_state, wait_for
from tests.support.realtime import (
    COMPLETED,
    append_event,
    load_samples,
    open_manual_session,
    pcm16,
)
from tests.support.server import ServerProcess, start_server


def ws_url(server: ServerProcess) -> str:
    return server.base_url.replace("http://", "ws://") + "/v1/realtime?intent=transcription"


def receive(connection: ClientConnection, timeout: float = 120) -> dict[str, t.Any]:
    event = json.loads(connection.recv(timeout=timeout))
    validate_server_event(event)
    return t.cast(dict[str, t.Any], event)


def open_manual(server: ServerProcess) -> ClientConnection:
    return open_manual_session(ws_url(server))


def send_audio(connection: ClientConnection, audio: bytes, chunk: int = 96_000) -> None:
    for start in range(0, len(audio), chunk):
        connection.send(json.dumps(append_event(audio[start : start + chunk])))


def transcribe_turn(server: ServerProcess, audio: bytes) -> str:
    with open_manual(server) as connection:
        send_audio(connection, audio)
        connection.send(json.dumps({"type": "input_audio_buffer.commit"}))
        while (event := receive(connection))["type"] != COMPLETED:
            assert event["type"] != "error", event
        return str(event["transcript"])


def test_a_client_that_vanishes_mid_turn_frees_its_inference(
    one_worker_server: ServerProcess, long_speech_wav: Path
) -> None:
    audio = pcm16(load_samples(long_speech_wav)[: 16_000 * 90])
    connection = open_manual(one_worker_server)
    send_audio(connection, audio)
    connection.send(json.dumps({"type": "input_audio_buffer.commit"}))
    base_url = one_worker_server.base_url
    wait_for(lambda: queue_state(base_url)["running"] == 1, 60)
    started = time.monotonic()
    connection.socket.shutdown(socket.SHUT_RDWR)  # gone, without a closing handshake
    connection.socket.close()
    wait_for(lambda: queue_state(base_url)["running"] == 0, 30)
    # A 90 s final decode takes far longer than this on tiny.en; the worker was freed.
    assert time.monotonic() - started < 5


def test_a_client_that_stops_reading_blocks_no_other_session(
    one_worker_server: ServerProcess, english_speech: GeneratedAudio
) -> None:
    audio = pcm16(load_samples(english_speech.path))
    silent = open_manual(one_worker_server)  # sends and commits, never reads again
    try:
        for _ in range(3):
            send_audio(silent, audio)
            silent.send(json.dumps({"type": "input_audio_buffer.commit"}))
        assert "transcription server" in transcribe_turn(one_worker_server, audio).lower()
    finally:
        silent.close()


def test_many_sessions_at_once_are_each_served(
    one_worker_server: ServerProcess, english_speech: GeneratedAudio
) -> None:
    audio = pcm16(load_samples(english_speech.path))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        transcripts = list(pool.map(lambda _: transcribe_turn(one_worker_server, audio), range(4)))
    assert all("transcription server" in text.lower() for text in transcripts), transcripts


def test_http_requests_are_served_while_sessions_run(
    one_worker_server: ServerProcess, english_speech: GeneratedAudio
) -> None:
    audio = pcm16(load_samples(english_speech.path))
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        live = [pool.submit(transcribe_turn, one_worker_server, audio) for _ in range(2)]
        with open(english_speech.path, "rb") as handle:
            response = httpx.post(
                f"{one_worker_server.base_url}{URL}",
                data={"model": "whisper-1"},
                files={"file": handle},
                timeout=120,
            )
        assert response.status_code == 200
        assert all("transcription server" in f.result().lower() for f in live)


def test_live_metrics_are_exported(
    one_worker_server: ServerProcess, english_speech: GeneratedAudio
) -> None:
    transcribe_turn(one_worker_server, pcm16(load_samples(english_speech.path)))
    text = httpx.get(f"{one_worker_server.base_url}/metrics").text
    assert re.search(r'whisperd_live_turns_total\{protocol="openai-realtime"\} [1-9]', text)
    assert re.search(r'whisperd_live_sessions\{protocol="openai-realtime"\} 0\.0', text)
    assert re.search(r"whisperd_live_final_seconds_count [1-9]", text)


@pytest.fixture(scope="module")
def impatient_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    server = start_server(
        tmp_path_factory, model_cache_dir, "--model", "tiny.en", "--upload-stall-timeout", "1"
    )
    yield server
    server.stop()


def test_a_stalled_upload_is_dropped_with_408(impatient_server: ServerProcess) -> None:
    host, port = impatient_server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(
            f"POST {URL} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            "Content-Length: 100000\r\n\r\n--b\r\n".encode()
        )
        started = time.monotonic()
        reply = ""
        while "upload_timeout" not in reply and (chunk := sock.recv(65536)):
            reply += chunk.decode(errors="replace")
    assert reply.startswith("HTTP/1.1 408"), reply
    assert '"code":"upload_timeout"' in reply
    assert time.monotonic() - started < 10
    assert httpx.get(f"{impatient_server.base_url}/health").status_code == 200
