"""Every curl script in clients/curl/ against the live server, with its output checked.

The scripts run in a directory holding ``speech.mp3`` and ``german.m4a`` (their default
audio files, as in the README) with ``WHISPERD_URL`` pointing at the test server.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import typing as t
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from clients.tests.conftest import (
    CLIENTS,
    Speech,
    assert_all_words,
    assert_translated,
    require_tool,
)

SCRIPTS = CLIENTS / "curl"


def check_json_transcript(output: str) -> None:
    body = json.loads(output)
    assert_all_words(body["text"])
    assert body["usage"]["type"] == "duration" and body["usage"]["seconds"] > 0


def check_text(output: str) -> None:
    assert output.endswith("\n") and not output.startswith("{"), output
    assert_all_words(output)


def check_srt(output: str) -> None:
    assert re.match(r"1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n", output), output
    assert_all_words(output)


def check_vtt(output: str) -> None:
    assert re.match(r"WEBVTT\n\n\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\n", output), output
    assert_all_words(output)


def check_verbose(output: str) -> None:
    body = json.loads(output)
    assert body["task"] == "transcribe" and body["language"] == "english"
    assert body["segments"] and len(body["words"]) >= 3
    for word in body["words"]:
        assert 0 <= word["start"] <= word["end"] <= body["duration"] + 0.5, word


def check_logprobs(output: str) -> None:
    body = json.loads(output)
    assert_all_words(body["text"])
    assert body["logprobs"] and all(item["logprob"] <= 0 for item in body["logprobs"])


def check_stream(output: str) -> None:
    data = [line.removeprefix("data: ") for line in output.splitlines() if line.startswith("data:")]
    assert data[-1] == "[DONE]", output
    events = [json.loads(item) for item in data[:-1]]
    assert {event["type"] for event in events[:-1]} == {"transcript.text.delta"}
    assert events[-1]["type"] == "transcript.text.done"
    assert "".join(event["delta"] for event in events[:-1]).strip() == events[-1]["text"].strip()
    assert_all_words(events[-1]["text"])


def check_translation(output: str) -> None:
    assert_translated(json.loads(output)["text"])


def check_verbose_translation(output: str) -> None:
    body = json.loads(output)
    assert body["task"] == "translate" and body["language"] == "english" and body["segments"]
    assert_translated(body["text"])


def check_health(output: str) -> None:
    body = json.loads(output)
    assert body["status"] == "ok" and body["queue"]["workers"] >= 1


def check_ready(output: str) -> None:
    assert json.loads(output) == {"status": "ready", "default_model": "base"}


def check_models(output: str) -> None:
    body = json.loads(output)
    assert body["object"] == "list"
    assert {"base", "tiny.en", "whisper-1"} <= {model["id"] for model in body["data"]}


def check_one_model(output: str) -> None:
    body = json.loads(output)
    assert body["id"] == "base" and body["object"] == "model" and body["default"] is True


def check_metrics(output: str) -> None:
    assert re.search(r"^whisperd_http_requests_total\{", output, flags=re.M), output[:2000]


Check = Callable[[str], None]
CASES: list[tuple[str, list[str], Check]] = [
    ("transcribe.sh", [], check_json_transcript),
    ("transcribe-text.sh", [], check_text),
    ("transcribe-srt.sh", [], check_srt),
    ("transcribe-vtt.sh", [], check_vtt),
    ("transcribe-verbose.sh", [], check_verbose),
    ("transcribe-logprobs.sh", [], check_logprobs),
    ("transcribe-stream.sh", [], check_stream),
    ("transcribe-options.sh", [], check_json_transcript),
    ("transcribe-model.sh", [], check_json_transcript),
    ("transcribe-model.sh", ["base", "speech.mp3"], check_json_transcript),
    ("translate.sh", [], check_translation),
    ("translate-verbose.sh", [], check_verbose_translation),
    ("health.sh", [], check_health),
    ("ready.sh", [], check_ready),
    ("models.sh", [], check_models),
    ("models.sh", ["base"], check_one_model),
    ("metrics.sh", [], check_metrics),
]


@pytest.fixture(scope="module")
def workdir(speech: Speech) -> Path:
    """The directory of the README's speech.mp3 and german.m4a."""
    assert speech.english_mp3.parent == speech.german_m4a.parent
    return speech.english_mp3.parent


def run_script(
    name: str, args: list[str], cwd: Path, base_url: str, **env: str
) -> subprocess.CompletedProcess[str]:
    require_tool("curl")
    environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "WHISPERD_URL": base_url, **env}
    return subprocess.run(
        [str(SCRIPTS / name), *args],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "args", "check"), CASES, ids=[" ".join([name, *args]) for name, args, _ in CASES]
)
def test_script(name: str, args: list[str], check: Check, workdir: Path, base_url: str) -> None:
    result = run_script(name, args, workdir, base_url)
    assert result.returncode == 0, result.stderr + result.stdout
    check(result.stdout)


def test_every_script_is_tested_and_strict() -> None:
    scripts = {path.name for path in SCRIPTS.glob("*.sh")} - {"common.sh"}
    assert scripts == {name for name, _, _ in CASES}
    for name in scripts:
        text = (SCRIPTS / name).read_text()
        assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text, name
        assert (SCRIPTS / name).stat().st_mode & 0o111, f"{name} is not executable"
    assert "--fail-with-body" in (SCRIPTS / "common.sh").read_text()


def test_error_status_fails_the_script_and_prints_the_error(workdir: Path, base_url: str) -> None:
    result = run_script("transcribe.sh", [], workdir, base_url, WHISPERD_MODEL="no-such-model")
    assert result.returncode == 22, result.stderr  # curl's exit code for an HTTP error
    assert json.loads(result.stdout)["error"]["code"] == "model_not_found"


class HeaderRecorder(BaseHTTPRequestHandler):
    """Answers every GET with an empty model list and remembers its headers."""

    seen: t.ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        body = b'{"object": "list", "data": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: t.Any) -> None:
        pass


@pytest.fixture()
def recorder() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), HeaderRecorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_api_key_is_sent_as_bearer_token(workdir: Path, recorder: str) -> None:
    HeaderRecorder.seen.clear()
    result = run_script("models.sh", [], workdir, recorder, WHISPERD_API_KEY="sk-test")
    assert result.returncode == 0, result.stderr
    assert HeaderRecorder.seen[-1]["Authorization"] == "Bearer sk-test"
    run_script("models.sh", [], workdir, recorder)
    assert "Authorization" not in HeaderRecorder.seen[-1]


def test_scripts_pass_shellcheck() -> None:
    shellcheck = require_tool("shellcheck")
    scripts = sorted(str(path) for path in SCRIPTS.glob("*.sh"))
    result = subprocess.run(
        [shellcheck, "--external-sources", "--shell=bash", *scripts],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
