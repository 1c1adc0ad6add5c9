"""Limits and backpressure on a real server process: the upload limit enforced while the
body streams in, 429 with Retry-After when the queue is full, and arrival order."""

from __future__ import annotations

import concurrent.futures
import contextlib
import select
import socket
import typing as t
from pathlib import Path

import pytest

from tests.support.audio import GeneratedAudio
from tests.support.http import (
    BOUNDARY,
    URL,
    queue_state,
    read_reply,
    transcribe_seconds,
    wait_for,
)
from tests.support.server import ONE_AT_A_TIME, ServerProcess, start_server


def test_declared_oversize_body_is_refused_before_it_is_sent(base_url: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST {URL} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {200 * 1024 * 1024}\r\n\r\n".encode()
        )
        reply = read_reply(sock).decode()
    assert reply.startswith("HTTP/1.1 413")
    assert '"Maximum content size limit (26214400) exceeded' in reply


def test_chunked_upload_is_stopped_at_the_limit(base_url: str) -> None:
    """No Content-Length (the Node SDK's chunked uploads): counted as it streams, refused at
    the first byte over 25 MiB, so it is never buffered whole."""
    host, port = base_url.removeprefix("http://").split(":")
    chunk = b"\0" * (1024 * 1024)
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST {URL} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n".encode()
        )
        opening = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="big.wav"\r\n\r\n'
        ).encode()
        sock.sendall(f"{len(opening):x}\r\n".encode() + opening + b"\r\n")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            while sent < 100 * len(chunk):
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
        reply = read_reply(sock)
    assert reply.startswith(b"HTTP/1.1 413")
    assert sent < 40 * len(chunk), f"{sent} bytes were accepted before the 413"


@pytest.fixture(scope="module")
def small_queue_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    server = start_server(
        tmp_path_factory,
        model_cache_dir,
        "--model",
        "tiny.en",
        *ONE_AT_A_TIME,
        "--max-queue",
        "1",
    )
    yield server
    server.stop()


def test_a_full_queue_answers_429_with_retry_after(
    small_queue_server: ServerProcess, long_speech_wav: Path
) -> None:
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [
            pool.submit(transcribe_seconds, small_queue_server.base_url, long_speech_wav)
            for _ in range(4)
        ]
        responses = [future.result()[1] for future in futures]
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(200) >= 2 and 429 in statuses, statuses
    refused = next(response for response in responses if response.status_code == 429)
    error = refused.json()["error"]
    assert (error["type"], error["code"]) == ("requests", "rate_limit_exceeded")
    assert int(refused.headers["retry-after"]) >= 1


@pytest.fixture(scope="module")
def one_worker_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    server = start_server(tmp_path_factory, model_cache_dir, "--model", "tiny.en", *ONE_AT_A_TIME)
    yield server
    server.stop()


def test_queued_requests_are_served_in_arrival_order(
    one_worker_server: ServerProcess, english_speech: GeneratedAudio
) -> None:
    finished: list[int] = []

    def send(index: int) -> None:
        transcribe_seconds(one_worker_server.base_url, english_speech.path)
        finished.append(index)

    def wait_until_arrived(count: int) -> None:
        def arrived() -> int:
            state = queue_state(one_worker_server.base_url)
            return state["running"] + state["waiting"] + len(finished)

        wait_for(lambda: arrived() >= count, 30)

    # Each request is sent once the one before holds its place (a fixed pause between sends
    # let a slow first upload arrive second on CI), so arrival order is known.
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        for index in range(5):
            pool.submit(send, index)
            wait_until_arrived(index + 1)
    assert finished == [0, 1, 2, 3, 4]
