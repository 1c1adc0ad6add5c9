"""Shared fixtures: a live server, HTTP and OpenAI-SDK clients, and test audio.

The server runs as a real subprocess (``python -m whisperd``) on a free loopback port with
the *base* model, exactly as ``make serve`` runs it, so these tests exercise the same HTTP
stack users hit. Audio comes from two places: speech the project synthesises itself with
espeak-ng (always available under ``make test``), and the recorded corpus in ``../shared``
(tests that need it skip with a reason when it is absent).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import httpx
import pytest

from tests.audio_factory import GeneratedAudio, make_speech

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WHISPERD_SHARED_DIR", REPO.parent / "shared"))
SHARED_AUDIO = SHARED / "audio"
SHARED_OPENAI = SHARED / "openai"


def shared_path(relative: str) -> Path:
    """A file of ../shared, or a skip when the shared data is not beside the repository."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"needs the shared test data: {path} is missing")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """A whisperd subprocess; its log is kept for failure messages."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "whisperd", "--port", str(self.port), *args],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"whisperd exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"whisperd did not become ready:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(os.environ.get("WHISPERD_TEST_CACHE_DIR") or tmp_path_factory.mktemp("models"))


def start_server(
    tmp_path_factory: pytest.TempPathFactory, cache_dir: Path, *args: str, **env: str
) -> ServerProcess:
    environment = dict(os.environ)
    environment.update({"WHISPERD_CACHE_DIR": str(cache_dir), "PYTHONUNBUFFERED": "1"})
    environment.update(env)
    log_path = tmp_path_factory.mktemp("server") / "whisperd.log"
    server = ServerProcess(list(args), environment, log_path)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    """The shared server: default model base, default settings."""
    process = start_server(tmp_path_factory, model_cache_dir, "--model", "base")
    yield process
    process.stop()


@pytest.fixture(scope="session")
def base_url(server: ServerProcess) -> str:
    return server.base_url


@pytest.fixture()
def client(base_url: str) -> t.Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=300) as http:
        yield http


@pytest.fixture()
def openai_client(base_url: str) -> t.Any:
    from openai import OpenAI

    return OpenAI(
        base_url=f"{base_url}/v1",
        api_key="unused",
        max_retries=0,
        timeout=300,
        _strict_response_validation=True,
    )


@pytest.fixture(scope="session")
def generated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated-audio")


@pytest.fixture(scope="session")
def english_speech(generated_dir: Path) -> GeneratedAudio:
    """English speech synthesised by espeak-ng, with the text that was spoken."""
    return make_speech(
        generated_dir,
        "english",
        "en-us",
        "Hello world. This is a test of the local transcription server. "
        "The weather is nice today and we are going to the park.",
    )


@pytest.fixture(scope="session")
def german_speech(generated_dir: Path) -> GeneratedAudio:
    return make_speech(
        generated_dir,
        "german",
        "de",
        "Guten Morgen. Heute ist das Wetter sehr schön und wir gehen in den Park.",
    )
