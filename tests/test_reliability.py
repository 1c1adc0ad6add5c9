"""Limits, backpressure, cancellation, graceful shutdown, auth and input safety, each
proved against a real server process."""

from __future__ import annotations

import concurrent.futures
import contextlib
import select
import signal
import socket
import time
import typing as t
from pathlib import Path

import httpx
import numpy as np
import pytest
from whisperd.engine.audio import SAMPLE_RATE, decode_audio

from tests.audio_factory import GeneratedAudio, write_wav
from tests.conftest import ServerProcess, start_server

URL = "/v1/audio/transcriptions"
BOUNDARY = "whisperd-test-boundary"


@pytest.fixture(scope="module")
def long_speech(english_speech: GeneratedAudio, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About two minutes of speech (the generated sentence, repeated with pauses)."""
    with open(english_speech.path, "rb") as handle:
        once = decode_audio(handle).samples
    pause = np.zeros(SAMPLE_RATE // 2, np.float32)
    repeats = int(120 / (len(once) / SAMPLE_RATE + 0.5)) + 1
    audio = np.concatenate([once, pause] * repeats)
    return write_wav(tmp_path_factory.mktemp("long") / "long.wav", audio)


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
    return b"".join(
        parts
    ) + f"--{BOUNDARY}--\r\n".encode(), f"multipart/form-data; boundary={BOUNDARY}"


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


# -- limits ---------------------------------------------------------------------------------


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


# -- backpressure ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_queue_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    server = start_server(
        tmp_path_factory,
        model_cache_dir,
        "--model",
        "tiny.en",
        "--workers",
        "1",
        "--max-queue",
        "1",
    )
    yield server
    server.stop()


def test_a_full_queue_answers_429_with_retry_after(
    small_queue_server: ServerProcess, long_speech: Path
) -> None:
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [
            pool.submit(transcribe_seconds, small_queue_server.base_url, long_speech)
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
    server = start_server(tmp_path_factory, model_cache_dir, "--model", "tiny.en", "--workers", "1")
    yield server
    server.stop()


def test_queued_requests_are_served_in_arrival_order(
    one_worker_server: ServerProcess, english_speech: GeneratedAudio
) -> None:
    finished: list[int] = []

    def send(index: int) -> None:
        transcribe_seconds(one_worker_server.base_url, english_speech.path)
        finished.append(index)

    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        for index in range(5):
            pool.submit(send, index)
            time.sleep(0.15)
    assert finished == [0, 1, 2, 3, 4]


# -- cancellation ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_job_seconds(one_worker_server: ServerProcess, long_speech: Path) -> float:
    """How long the long clip takes when nobody cancels it: the yardstick for "promptly"
    (so the checks hold on a loaded machine too)."""
    seconds, response = transcribe_seconds(one_worker_server.base_url, long_speech)
    assert response.status_code == 200
    return seconds


def test_disconnect_during_inference_frees_the_worker(
    one_worker_server: ServerProcess,
    long_speech: Path,
    english_speech: GeneratedAudio,
    long_job_seconds: float,
) -> None:
    base_url = one_worker_server.base_url
    sock = open_request(base_url, *multipart(long_speech.read_bytes()))
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
    one_worker_server: ServerProcess, long_speech: Path
) -> None:
    base_url = one_worker_server.base_url
    running = open_request(base_url, *multipart(long_speech.read_bytes()))
    wait_for(lambda: queue_state(base_url)["running"] == 1, 30)
    queued = open_request(base_url, *multipart(long_speech.read_bytes()))
    wait_for(lambda: queue_state(base_url)["waiting"] == 1, 30)
    queued.close()
    wait_for(lambda: queue_state(base_url)["waiting"] == 0, 5)
    running.close()
    wait_for(lambda: queue_state(base_url)["running"] == 0, 10)


def test_disconnect_mid_stream_stops_the_inference(
    one_worker_server: ServerProcess, long_speech: Path, long_job_seconds: float
) -> None:
    base_url = one_worker_server.base_url
    sock = open_request(base_url, *multipart(long_speech.read_bytes(), stream="true"))
    received = b""
    while b"transcript.text.delta" not in received:
        received += sock.recv(4096)
    assert queue_state(base_url)["running"] == 1
    sock.close()
    freed_after = wait_for(lambda: queue_state(base_url)["running"] == 0, long_job_seconds)
    assert freed_after < 0.5 * long_job_seconds, (freed_after, long_job_seconds)


# -- graceful shutdown -----------------------------------------------------------------------


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
    long_speech: Path,
    long_job_seconds: float,
) -> None:
    server = start_server(
        tmp_path_factory, model_cache_dir, "--model", "tiny.en", "--shutdown-timeout", "1"
    )
    sock = open_request(server.base_url, *multipart(long_speech.read_bytes()))
    wait_for(lambda: queue_state(server.base_url)["running"] == 1, 30)
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    # The 1 s bound, plus the rest of the window being decoded, plus process teardown.
    assert time.monotonic() - started < 3 + 0.5 * long_job_seconds
    assert "cancelled 1 running transcription" in server.log()
    sock.close()
    server.stop()


# -- auth ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    keys_file = tmp_path_factory.mktemp("keys") / "keys.txt"
    keys_file.write_text("# operators' keys\nsk-file-key-0123456789\n")
    server = start_server(
        tmp_path_factory, model_cache_dir, "--model", "tiny.en", "--api-keys-file", str(keys_file),
        WHISPERD_API_KEY="sk-env-key-0123456789,sk-second-key-99999",
    )  # fmt: skip
    yield server
    server.stop()


def test_missing_key_is_401(keyed_server: ServerProcess, english_speech: GeneratedAudio) -> None:
    _, response = transcribe_seconds(keyed_server.base_url, english_speech.path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_wrong_key_is_401_invalid_api_key(keyed_server: ServerProcess) -> None:
    response = httpx.get(
        f"{keyed_server.base_url}/v1/models",
        headers={"Authorization": "Bearer sk-wrong-key-000000"},
    )
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "invalid_api_key"
    assert "sk-wrong-key-000000" not in error["message"]


@pytest.mark.parametrize(
    "key", ["sk-env-key-0123456789", "sk-second-key-99999", "sk-file-key-0123456789"]
)
def test_each_configured_key_is_accepted(keyed_server: ServerProcess, key: str) -> None:
    response = httpx.get(
        f"{keyed_server.base_url}/v1/models", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200


def test_probes_need_no_key_but_metrics_do(keyed_server: ServerProcess) -> None:
    assert httpx.get(f"{keyed_server.base_url}/health").status_code == 200
    assert httpx.get(f"{keyed_server.base_url}/ready").status_code in (200, 503)
    assert httpx.get(f"{keyed_server.base_url}/metrics").status_code == 401


def test_keys_are_checked_before_the_body_is_read(keyed_server: ServerProcess) -> None:
    body, content_type = multipart(b"\0" * (30 * 1024 * 1024))
    response = httpx.post(
        f"{keyed_server.base_url}{URL}", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 401  # not 413: unauthenticated bodies are not read


def test_openai_sdk_sends_its_key(
    keyed_server: ServerProcess, english_speech: GeneratedAudio
) -> None:
    import openai

    good = openai.OpenAI(
        base_url=f"{keyed_server.base_url}/v1", api_key="sk-env-key-0123456789", max_retries=0
    )
    assert good.audio.transcriptions.create(model="whisper-1", file=english_speech.path).text
    bad = openai.OpenAI(base_url=f"{keyed_server.base_url}/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.audio.transcriptions.create(model="whisper-1", file=english_speech.path)


def test_key_comparison_accepts_only_exact_keys() -> None:
    from whisperd.auth import ApiKeyMiddleware

    middleware = ApiKeyMiddleware(app=None, keys=["sk-abc"])  # type: ignore[arg-type]
    assert middleware.accepts("sk-abc")
    assert not middleware.accepts("sk-ab")
    assert not middleware.accepts("sk-abcd")
    assert not middleware.accepts("")


def test_public_address_without_keys_logs_a_warning(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> None:
    server = start_server(
        tmp_path_factory, model_cache_dir, "--model", "tiny.en", "--host", "0.0.0.0"
    )
    try:
        assert "without API keys" in server.log()
    finally:
        server.stop()


# -- input safety ----------------------------------------------------------------------------


def test_upload_filenames_never_touch_the_filesystem(client: httpx.Client, tmp_path: Path) -> None:
    target = tmp_path / "escaped.wav"
    name = f"../../../../../../{target}"
    response = client.post(URL, data={"model": "whisper-1"}, files={"file": (name, b"RIFFjunk")})
    assert response.status_code == 400
    assert not target.exists()
    assert "'escaped.wav'" in response.json()["error"]["message"]


@pytest.mark.parametrize("model", ["../../../etc/passwd", "/etc", "~", "base/../../etc"])
def test_model_field_cannot_reach_the_filesystem(
    client: httpx.Client, english_speech: GeneratedAudio, model: str
) -> None:
    with open(english_speech.path, "rb") as handle:
        response = client.post(URL, data={"model": model}, files={"file": handle})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


def test_operator_may_allow_model_directories(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path, english_speech: GeneratedAudio
) -> None:
    from whisperd.engine.catalog import KNOWN_MODELS
    from whisperd.engine.packs import part_directory

    pack = KNOWN_MODELS["tiny.en"].pack
    assert pack is not None
    directory = part_directory(pack.parts[0])
    server = start_server(
        tmp_path_factory, model_cache_dir, "--model", "tiny.en", "--allow-local-model-paths"
    )
    try:
        _, response = transcribe_seconds(server.base_url, english_speech.path, model=str(directory))
        assert response.status_code == 200
        _, missing = transcribe_seconds(server.base_url, english_speech.path, model="/etc")
        assert missing.status_code == 404
    finally:
        server.stop()
