"""The README's curl examples, run as written against the live server."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.support.audio import ENCODINGS, GeneratedAudio, encode, read_wav

README = Path(__file__).resolve().parent.parent / "README.md"
README_URL = "http://localhost:50060"


def curl_examples() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith("curl ")]


def test_readme_has_curl_examples_for_both_endpoints() -> None:
    commands = " ".join(curl_examples())
    for needle in (
        "/v1/audio/transcriptions",
        "/v1/audio/translations",
        "stream=true",
        "response_format=srt",
        "response_format=vtt",
        "timestamp_granularities[]",
    ):
        assert needle in commands  # fmt: skip


@pytest.fixture(scope="module")
def workdir(
    tmp_path_factory: pytest.TempPathFactory,
    english_speech: GeneratedAudio,
    german_speech: GeneratedAudio,
) -> Path:
    """A directory with the README's speech.mp3 and german.m4a."""
    directory = tmp_path_factory.mktemp("readme")
    mp3 = next(e for e in ENCODINGS if e.suffix == ".mp3")
    m4a = next(e for e in ENCODINGS if e.suffix == ".m4a")
    encode(*read_wav(english_speech.path), mp3, directory / "speech.mp3")
    encode(*read_wav(german_speech.path), m4a, directory / "german.m4a")
    return directory


@pytest.mark.parametrize("command", curl_examples())
def test_curl_example_runs(command: str, base_url: str, workdir: Path) -> None:
    args = shlex.split(command.replace(README_URL, base_url))
    result = subprocess.run(
        [*args, "--silent", "--show-error", "--write-out", "\n%{http_code}"],
        cwd=workdir, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body, _, status = result.stdout.rpartition("\n")
    assert status == "200", body
    assert body.strip() and '"error"' not in body
