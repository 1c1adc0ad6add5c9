"""Fixtures of the conformance suite: one live whisperd (base model, free port) for all four
checks, the audio the checks send, and the results table (see support/report.py)."""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import pytest

from conformance.support.report import (  # noqa: F401 - pytest hooks, found by name
    RESULTS,
    Results,
    pytest_runtest_logreport,
    pytest_terminal_summary,
)
from tests.support.audio import GeneratedAudio, make_speech
from tests.support.server import ServerProcess, start_server


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(os.environ.get("WHISPERD_TEST_CACHE_DIR") or tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    """whisperd as users run it: a subprocess with the base model, default settings."""
    process = start_server(tmp_path_factory, model_cache_dir, "--model", "base")
    yield process
    process.stop()


@pytest.fixture(scope="session")
def base_url(server: ServerProcess) -> str:
    return server.base_url


@pytest.fixture(scope="session")
def results() -> Results:
    return RESULTS


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def english_speech(speech_dir: Path) -> GeneratedAudio:
    """A short English sentence spoken by espeak-ng (short: every call runs the model)."""
    return make_speech(speech_dir, "english", "en-us", "Hello world. This is a short test.")


@pytest.fixture(scope="session")
def german_speech(speech_dir: Path) -> GeneratedAudio:
    return make_speech(speech_dir, "german", "de", "Guten Morgen. Das Wetter ist heute schön.")
