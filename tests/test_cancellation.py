"""Cancellation and graceful shutdown on a real server process: a client that goes away
(uploading, queued, mid-inference, mid-stream) frees its place at once, and SIGTERM lets
running work finish within its bound."""

from __future__ import annotations

import concurrent.futures
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.support.audio import GeneratedAudio
from tests.support.http import (
    URL,
    multipart,
    open_request,
    queue_state,
    transcribe_seconds,
    wait_for,
)
from tests.support.server import ServerProcess, start_server


@pytest.fixture(scope="module")
def long_job_seconds(one_worker_server: ServerProcess, long_speech_wav: Path) -> float:
    """How long the long clip takes when nobody cancels it: the yardstick for "promptly"
    (so the checks hold on a loaded machine too)."""
    seconds, response = transcribe_seconds(one_worker_server.base_url, long_speech_wav)
    assert response.status_code == 200
    return seconds


def test_disconnect_during_inference_frees_the_worker(
    one_worker_server: ServerProcess,
    long_speech_wav: Path,
    english_speech: GeneratedAudio,
    long_job_seconds: float,
) -> None:
    base_url = one_worker_server.base_url
    sock = open_request(base_url, *multipart(long_speech_wav.read_bytes()))
    wait_for(lambda: queue_state(base_url)["running"] == 1, 30)
    sock.close()
    freed_after = wait_for(lambda: queue_state(base_url)["running"] == 0, long_job_seconds)
    assert freed_after < 0.5 * long_job_seconds, (freed_after, long_job_seconds)
    served_in, response = transcribe_seconds(base_url, english_speech.path)
    assert response.status_code == 200
    assert served_in < 0.5 * long_job_seconds  # not stuck behind the abandoned job


def test_disconnect_during_upload_leaves_nothing_behind(
    one_worker_server: ServerProcess, english_speech: GeneratedAudio
) -> None:
    base_url = one_worker_server.base_url
    host, port = base_url.removeprefix("http://").split(":")
    body, content_type = multipart(b"\0" * (8 * 1024 * 1024))
    with socket.create_connection((host, int(port))) as sock:
        head = f"POST {URL} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
        sock.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body[:1_000_000])
    assert queue_state(base_url) == {"workers": 1, "running": 0, "waiting": 0, "max_queue": 16}
    _, response = transcribe_seconds(base_url, english_speech.path)
    assert response.status_code == 200


def test_disconnect_while_queued_leaves_the_queue(
    one_worker_server: ServerProcess, long_speech_wav: Path
) -> None:
    base_url = one_worker_server.base_url
    running = open_request(base_url, *multipart(long_speech_wav.read_bytes()))
    wait_for(lambda: queue_state(base_url)["running"] == 1, 30)
    queued = open_request(base_url, *multipart(long_speech_wav.read_bytes()))
    wait_for(lambda: queue_state(base_url)["waiting"] == 1, 30)
    queued.close()
    wait_for(lambda: queue_state(base_url)["waiting"] == 0, 5)
    running.close()
    wait_for(lambda: queue_state(base_url)["running"] == 0, 10)


def test_disconnect_mid_stream_stops_the_inference(
    one_worker_server: ServerProcess, long_speech_wav: Path, long_job_seconds: float
) -> None:
    base_url = one_worker_server.base_url
    sock = open_request(base_url, *multipart(long_speech_wav.read_bytes(), stream="true"))
    received = b""
    while b"transcript.text.delta" not in received:
        received += sock.recv(4096)
    assert queue_state(base_url)["running"] == 1
    sock.close()
    freed_after = wait_for(lambda: queue_state(base_url)["running"] == 0, long_job_seconds)
    assert freed_after < 0.5 * long_job_seconds, (freed_after, long_job_seconds)


def test_sigterm_finishes_running_work_then_exits_0(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path, english_speech: GeneratedAudio
) -> None:
    server = start_server(
        tmp_path_factory, model_cache_dir, "--model", "tiny.en", "--shutdown-timeout", "20"
    )
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(transcribe_seconds, server.base_url, english_speech.path)
        wait_for(lambda: queue_state(server.base_url)["running"] == 1, 30)
        server.process.send_signal(signal.SIGTERM)
        _, response = pending.result()
    assert response.status_code == 200
    assert server.process.wait(timeout=30) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/health")
    server.stop()


def test_sigterm_cancels_work_that_outlasts_the_bound(
    tmp_path_factory: pytest.TempPathFactory,
    model_cache_dir: Path,
    long_speech_wav: Path,
    long_job_seconds: float,
) -> None:
    server = start_server(
        tmp_path_factory, model_cache_dir, "--model", "tiny.en", "--shutdown-timeout", "1"
    )
    sock = open_request(server.base_url, *multipart(long_speech_wav.read_bytes()))
    wait_for(lambda: queue_state(server.base_url)["running"] == 1, 30)
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    # The 1 s bound, plus the rest of the window being decoded, plus process teardown.
    assert time.monotonic() - started < 3 + 0.5 * long_job_seconds
    assert "cancelled 1 running transcription" in server.log_path.read_text()
    sock.close()
    server.stop()
