"""Raw HTTP against a live server: hand-made multipart bodies, requests left open on a
socket (to disconnect at a chosen moment), the queue state, and waiting for a condition."""

from __future__ import annotations

import contextlib
import socket
import time
import typing as t
from pathlib import Path

import httpx

URL = "/v1/audio/transcriptions"
BOUNDARY = "whisperd-test-boundary"


def multipart(audio: bytes, filename: str = "audio.wav", **fields: str) -> tuple[bytes, str]:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in {"model": "whisper-1", **fields}.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: audio/wav\r\n\r\n".encode()
        + audio
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def open_request(base_url: str, body: bytes, content_type: str, path: str = URL) -> socket.socket:
    """Send a whole request on a raw socket and return the socket, response unread."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body)
    return sock


def read_reply(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (it sends Connection: close
    with early errors)."""
    reply = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while chunk := sock.recv(65536):
            reply += chunk
    return reply


def queue_state(base_url: str) -> dict[str, int]:
    return dict(httpx.get(f"{base_url}/health").json()["queue"])


def wait_for(predicate: t.Callable[[], bool], timeout: float) -> float:
    """Seconds until ``predicate`` held; fails after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


def transcribe_seconds(base_url: str, audio: Path, **fields: str) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    with open(audio, "rb") as handle:
        response = httpx.post(
            f"{base_url}{URL}",
            data={"model": "whisper-1", **fields},
            files={"file": handle},
            timeout=300,
        )
    return time.monotonic() - started, response
