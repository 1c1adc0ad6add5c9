"""Shared fixtures: a live server, HTTP and OpenAI-SDK clients, and test audio (the helpers
behind them are in ``tests/support``).

The server runs as a real subprocess (``python -m whisperd``) on a free loopback port with
the *base* model, exactly as ``make serve`` runs it, so these tests exercise the same HTTP
stack users hit. Audio comes from two places: speech the project synthesises itself with
espeak-ng (always available under ``make test``), and the recorded corpus in ``../shared``
(tests that need it skip with a reason when it is absent).
"""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import httpx
import numpy as np
import pytest
from whisperd.engine.audio import SAMPLE_RATE, decode_audio

from tests.support.audio import GeneratedAudio, make_speech, write_wav
from tests.support.conversation import Conversation, build_conversation
from tests.support.server import ONE_AT_A_TIME, ServerProcess, start_server


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(os.environ.get("WHISPERD_TEST_CACHE_DIR") or tmp_path_factory.mktemp("models"))


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


@pytest.fixture(scope="session")
def long_speech_wav(english_speech: GeneratedAudio, generated_dir: Path) -> Path:
    """About two minutes of speech (the generated sentence, repeated with pauses)."""
    with open(english_speech.path, "rb") as handle:
        once = decode_audio(handle).samples
    pause = np.zeros(SAMPLE_RATE // 2, np.float32)
    repeats = int(120 / (len(once) / SAMPLE_RATE + 0.5)) + 1
    return write_wav(generated_dir / "long.wav", np.concatenate([once, pause] * repeats))


@pytest.fixture(scope="session")
def one_worker_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    """tiny.en running one request at a time: what queueing and cancellation tests watch."""
    server = start_server(tmp_path_factory, model_cache_dir, "--model", "tiny.en", *ONE_AT_A_TIME)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def conversation(tmp_path_factory: pytest.TempPathFactory) -> Conversation:
    """Two speakers cut from real recordings (first, second, first again)."""
    return build_conversation(tmp_path_factory.mktemp("conversation"))
