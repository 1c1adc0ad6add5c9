"""Check 6: the official Deepgram JavaScript SDK (``@deepgram/sdk``, pinned in
node/package-lock.json) as a client of the live socket, ``GET /v1/listen``.

``node/deepgram-live-check.mjs`` points the SDK's own live client (``listen.v1.connect``) at
whisperd over plain ``ws://`` through its environment's ``production`` URL, streams a shared
clip as linear16 at real-time pace with interim results, endpointing, utterance ends and VAD
events, then sends ``Finalize`` and ``CloseStream``, and prints everything the SDK handed
it. Every server message is checked against spec/deepgram.asyncapi.yaml and the transcript
against the clip's reference. The server has an API key, sent the SDK's ways: Node's
``Authorization: Token`` (or ``Bearer`` for an access token) and, with the SDK run as in a
browser (on Node's WHATWG WebSocket), the subprotocols ``token``, ``<key>``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import typing as t
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.support.paths import NODE_DIR, SHARED_AUDIO
from tests.support.deepgram import JFK, validate_server_message
from tests.support.paths import shared_path
from tests.support.server import ServerProcess, start_server
from tests.support.wer import read_manifest, word_error_rate

KEY = "deepgram-js-key-0123"
# Long turns (JFK's pauses are shorter than 1.5 s) leave time for interims on a loaded machine;
# the silence after the speech ends the last one.
ENDPOINTING_MS = 1500
SILENCE_SECONDS = 2.5
MAX_WER = 0.15  # base on JFK through live turns; a turn losing its last words exceeds it


@dataclass(frozen=True)
class SdkRun:
    """What the SDK reported, in order: its events and the script's summary."""

    events: list[dict[str, t.Any]]
    summary: dict[str, t.Any]

    @property
    def messages(self) -> list[dict[str, t.Any]]:
        return [e["message"] for e in self.events if e["event"] == "message"]

    @property
    def results(self) -> list[dict[str, t.Any]]:
        return [m for m in self.messages if m["type"] == "Results"]


def node_command(browser: bool) -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (NODE_DIR / "node_modules" / "@deepgram" / "sdk").is_dir():
        pytest.skip("needs conformance/node's packages: run `make conformance-deps` (npm ci)")
    command = [node]
    if browser:  # Node 20 has the WHATWG WebSocket behind a flag, Node 22 by default
        probe = subprocess.run([node, "-p", "typeof WebSocket"], capture_output=True, text=True)
        if probe.stdout.strip() != "function":
            command.append("--experimental-websocket")
    return command


def run_sdk(server: ServerProcess, wav: Path | None, *flags: str, browser: bool = False) -> SdkRun:
    command = [*node_command(browser), "deepgram-live-check.mjs", server.base_url]
    command += [str(wav) if wav else "-", *flags, "--silence", str(SILENCE_SECONDS)]
    command += ["--endpointing", str(ENDPOINTING_MS)]
    if browser:
        command.append("--browser")
    done = subprocess.run(command, cwd=NODE_DIR, capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert lines and "summary" in lines[-1], done.stdout[-3000:]
    return SdkRun(lines[:-1], lines[-1]["summary"])


@pytest.fixture(scope="module")
def keyed_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    server = start_server(
        tmp_path_factory, model_cache_dir, "--model", "base", WHISPERD_API_KEY=KEY
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def streamed(keyed_server: ServerProcess) -> SdkRun:
    """One real-time session of the JFK clip (11 s) through the SDK, Node's way."""
    return run_sdk(keyed_server, shared_path(JFK), "--key", KEY)


def reference(relative: str) -> str:
    rows = {row.path: row for row in read_manifest(SHARED_AUDIO)}
    return rows[relative.removeprefix("audio/")].reference


def test_the_sdk_reaches_plain_ws_with_the_live_options(
    streamed: SdkRun, keyed_server: ServerProcess
) -> None:
    assert streamed.summary["failure"] is None, streamed.summary
    url = streamed.summary["url"]
    assert url.startswith(f"ws://127.0.0.1:{keyed_server.port}/v1/listen?"), url
    for option in ("interim_results=true", f"endpointing={ENDPOINTING_MS}", "vad_events=true",
                   "utterance_end_ms=1000", "encoding=linear16", "sample_rate=16000"):  # fmt: skip
        assert option in url.split("?", 1)[1].split("&"), (option, url)


def test_every_server_message_is_valid_against_the_spec(streamed: SdkRun) -> None:
    assert streamed.messages
    for message in streamed.messages:
        validate_server_message(message)


def test_results_are_interim_then_final_and_speech_final(streamed: SdkRun) -> None:
    results = streamed.results
    assert any(not r["is_final"] and r["channel"]["alternatives"][0]["words"] for r in results)
    spoken = [r for r in results if r["is_final"] and r["channel"]["alternatives"][0]["words"]]
    assert spoken and all(r["speech_final"] and not r["from_finalize"] for r in spoken)
    kinds = [m["type"] for m in streamed.messages]
    assert "SpeechStarted" in kinds and "UtteranceEnd" in kinds


def test_the_final_transcript_reads_as_the_reference(streamed: SdkRun) -> None:
    heard = " ".join(
        r["channel"]["alternatives"][0]["transcript"] for r in streamed.results if r["is_final"]
    )
    error_rate = word_error_rate(reference(JFK), heard)
    print(f"\nword error rate {error_rate:.3f}: {heard}")
    assert error_rate <= MAX_WER, (error_rate, heard)


def test_finalize_answers_last_and_metadata_ends_the_stream(streamed: SdkRun) -> None:
    results = streamed.results
    assert [r["from_finalize"] for r in results].index(True) == len(results) - 1
    messages = streamed.messages
    assert messages[-1]["type"] == "Metadata"
    assert [m["type"] for m in messages].count("Metadata") == 1
    assert messages[-1]["duration"] == pytest.approx(11.0 + SILENCE_SECONDS, abs=0.1)


def test_the_socket_opens_and_closes_cleanly(streamed: SdkRun) -> None:
    kinds = [e["event"] for e in streamed.events]
    assert kinds[0] == "open" and kinds[-1] == "close" and "error" not in kinds, kinds
    assert streamed.events[-1]["code"] == 1000


@pytest.mark.parametrize(
    ("flags", "browser"),
    [(("--key", KEY), False), (("--access-token", KEY), False), (("--key", KEY), True)],
    ids=["node-authorization-token", "node-authorization-bearer", "browser-subprotocols"],
)
def test_the_sdks_ways_of_sending_the_key_are_accepted(
    keyed_server: ServerProcess, flags: tuple[str, ...], browser: bool
) -> None:
    run = run_sdk(keyed_server, None, *flags, browser=browser)
    assert run.summary["failure"] is None, (run.summary, run.events)
    assert [m["type"] for m in run.messages] == ["Metadata"]
    assert run.events[-1] == {"event": "close", "code": 1000, "reason": ""}
    if browser:  # no headers in a browser: the key is a subprotocol, "token" is answered
        assert run.summary["offered"][:2] == ["token", KEY]
        assert run.summary["protocol"] == "token"


@pytest.mark.parametrize("browser", [False, True], ids=["node", "browser"])
def test_a_wrong_key_fails_the_sdks_handshake(keyed_server: ServerProcess, browser: bool) -> None:
    run = run_sdk(keyed_server, None, "--key", "wrong-key", browser=browser)
    kinds = [e["event"] for e in run.events]
    assert "open" not in kinds and "error" in kinds and not run.messages, run.events
    if not browser:  # a browser's WebSocket does not say why
        assert "401" in next(e["error"] for e in run.events if e["event"] == "error")
