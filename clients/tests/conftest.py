"""Shared fixtures of the client SDK tests: one live server, speech, and the words in it.

The server is a real ``whisperd`` subprocess with the *base* model on a free loopback port,
started with the repository's own test helpers (tests/support/server.py), so the SDKs meet the
same HTTP stack users do. The speech is synthesised with espeak-ng (``make test-clients``
installs it), so these tests need nothing from ../shared. The TypeScript and Go suites are
run as subprocesses that get the server's URL, the audio files and the expected words
through ``WHISPERD_*`` environment variables (:func:`client_env`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import typing as t
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.audio import ENCODINGS, GeneratedAudio, encode, make_speech, read_wav
from tests.support.server import ServerProcess, start_server

CLIENTS = Path(__file__).resolve().parent.parent
REPO = CLIENTS.parent

ENGLISH_TEXT = (
    "Hello world. This is a test of the local transcription server. "
    "The weather is nice today and we are going to the park."
)
GERMAN_TEXT = "Guten Morgen. Heute ist das Wetter sehr schön und wir gehen in den Park."
# Words base transcribes reliably from ENGLISH_TEXT as espeak-ng speaks it: all must appear.
ENGLISH_WORDS = ("test", "transcription", "server")
# English words a translation of GERMAN_TEXT should hold; base translates espeak-ng's
# German loosely, so any two of them are enough.
TRANSLATION_WORDS = ("good", "morning", "today", "weather", "park")


@dataclass(frozen=True)
class Speech:
    """The test audio: English and German speech as WAV, the English also as MP3."""

    english: GeneratedAudio
    german: GeneratedAudio
    english_mp3: Path
    german_m4a: Path


@pytest.fixture(scope="session")
def whisperd(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[ServerProcess]:
    """The server every client test talks to: model base, default settings."""
    cache = os.environ.get("WHISPERD_TEST_CACHE_DIR") or tmp_path_factory.mktemp("models")
    server = start_server(tmp_path_factory, Path(cache), "--model", "base")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def base_url(whisperd: ServerProcess) -> str:
    return whisperd.base_url


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Speech:
    directory = tmp_path_factory.mktemp("speech")
    english = make_speech(directory, "english", "en-us", ENGLISH_TEXT)
    german = make_speech(directory, "german", "de", GERMAN_TEXT)
    mp3 = next(encoding for encoding in ENCODINGS if encoding.suffix == ".mp3")
    m4a = next(encoding for encoding in ENCODINGS if encoding.suffix == ".m4a")
    return Speech(
        english=english,
        german=german,
        english_mp3=encode(*read_wav(english.path), mp3, directory / "speech.mp3"),
        german_m4a=encode(*read_wav(german.path), m4a, directory / "german.m4a"),
    )


@pytest.fixture(scope="session")
def client_env(base_url: str, speech: Speech) -> dict[str, str]:
    """The environment the TypeScript and Go end-to-end suites read."""
    return dict(
        os.environ,
        WHISPERD_URL=base_url,
        WHISPERD_TEST_ENGLISH_AUDIO=str(speech.english.path),
        WHISPERD_TEST_GERMAN_AUDIO=str(speech.german.path),
        WHISPERD_TEST_ENGLISH_WORDS=" ".join(ENGLISH_WORDS),
        WHISPERD_TEST_TRANSLATION_WORDS=" ".join(TRANSLATION_WORDS),
    )


def assert_all_words(text: str, words: t.Iterable[str] = ENGLISH_WORDS) -> None:
    missing = [word for word in words if word not in text.lower()]
    assert not missing, f"{missing} not in {text!r}"


def assert_translated(text: str) -> None:
    found = [word for word in TRANSLATION_WORDS if word in text.lower()]
    assert len(found) >= 2, f"fewer than two of {TRANSLATION_WORDS} in {text!r}"


def require_tool(name: str) -> str:
    """The path of a toolchain command, or a skip saying which one is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"`{name}` is not installed on this machine")
    return path


def run_tool(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a toolchain command; fail the test with its output when it exits non-zero."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = f"$ {' '.join(command)}\n{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, output[-8000:]
    return result
