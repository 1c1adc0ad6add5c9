"""Check 5: the official SDKs' Realtime clients transcribe real speech through whisperd.

The Python SDK's GA client (``client.realtime.connect(extra_query={"intent":
"transcription"})``) with server VAD and with manual commits, its beta client
(``client.beta.realtime``), and the Node SDK's ``OpenAIRealtimeWS``, which only speaks
``wss://`` (a server with a test certificate). Every event the SDKs receive is checked
against spec/realtime.asyncapi.yaml, and the transcripts against the clips' references.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import typing as t
from pathlib import Path

import pytest

from tests.support.asyncapi import validate_server_event
from tests.support.paths import shared_path
from tests.support.realtime import load_samples, pcm16, silence_pcm16
from tests.support.server import ServerProcess, start_server
from tests.support.wer import word_error_rate

NODE_DIR = Path(__file__).resolve().parent / "node"
COMPLETED = "conversation.item.input_audio_transcription.completed"
CLIPS = {
    "audio/en_read/whisper.cpp__jfk.wav": "And so my fellow Americans, ask not what your "
    "country can do for you, ask what you can do for your country.",
    "audio/en_read/Speech2Text__1089-134686-0000.flac": "He hoped there would be stew for "
    "dinner, turnips and carrots and bruised potatoes and fat mutton pieces to be ladled out "
    "in thick peppered flour fattened sauce.",
}
MAX_WER = 0.15  # tiny.en on these clips; a file transcription does as well or better


@pytest.fixture(scope="module")
def realtime_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    server = start_server(tmp_path_factory, model_cache_dir, "--model", "tiny.en")
    yield server
    server.stop()


def clip_pcm(relative: str) -> bytes:
    return pcm16(load_samples(shared_path(relative)))


def chunks(audio: bytes, seconds: float = 0.2) -> t.Iterator[str]:
    size = int(24_000 * seconds) * 2
    for start in range(0, len(audio), size):
        yield base64.b64encode(audio[start : start + size]).decode()


def dump(event: t.Any) -> dict[str, t.Any]:
    """An SDK event model as the JSON the server sent (every field it carried)."""
    return t.cast(dict[str, t.Any], event.to_dict(exclude_unset=True))


def collect(
    connection: t.Any, until: str, count: int = 1, timeout: float = 120
) -> list[dict[str, t.Any]]:
    events: list[dict[str, t.Any]] = []
    deadline = time.monotonic() + timeout
    while sum(1 for e in events if e["type"] == until) < count:
        assert time.monotonic() < deadline, f"no {until} within {timeout} s: {events[-3:]}"
        event = dump(connection.recv())
        validate_server_event(event)
        events.append(event)
    return events


def collect_until_quiet(
    connection: t.Any, minimum: int, quiet: float = 3.0, timeout: float = 180
) -> list[dict[str, t.Any]]:
    """Events until ``minimum`` turns completed and every started turn has completed."""
    events: list[dict[str, t.Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        kinds = [e["type"] for e in events]
        done = kinds.count(COMPLETED)
        if done >= minimum and done == kinds.count("input_audio_buffer.committed"):
            return events
        assert time.monotonic() < deadline, f"turns did not complete: {kinds[-5:]}"
        events += collect(connection, COMPLETED, timeout=max(1.0, deadline - time.monotonic()))


def assert_turns_transcribed(events: list[dict[str, t.Any]], references: list[str]) -> None:
    """Each turn's deltas join to its transcript, and the turns (the VAD may cut a clip at
    its pauses) read as the references."""
    completed = [e for e in events if e["type"] == COMPLETED]
    assert len(completed) >= len(references)
    for event in completed:
        deltas = "".join(
            e["delta"]
            for e in events
            if e["type"].endswith("transcription.delta") and e["item_id"] == event["item_id"]
        )
        assert deltas == event["transcript"]
    heard = " ".join(event["transcript"] for event in completed)
    assert word_error_rate(" ".join(references), heard) <= MAX_WER, heard


def test_python_ga_client_with_server_vad(realtime_server: ServerProcess) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{realtime_server.base_url}/v1", api_key="unused")
    with client.realtime.connect(extra_query={"intent": "transcription"}) as connection:
        assert dump(connection.recv())["type"] == "session.created"
        connection.session.update(session={"type": "transcription", "audio": {"input": {
            "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
            "turn_detection": {"type": "server_vad", "silence_duration_ms": 500}}}})  # fmt: skip
        assert dump(connection.recv())["type"] == "session.updated"
        audio = b"".join(clip_pcm(path) + silence_pcm16(1.5) for path in CLIPS)
        for chunk in chunks(audio):
            connection.input_audio_buffer.append(audio=chunk)
        events = collect_until_quiet(connection, minimum=len(CLIPS))
    kinds = [e["type"] for e in events]
    turns = kinds.count(COMPLETED)
    assert kinds.count("input_audio_buffer.speech_started") == turns
    assert kinds.count("input_audio_buffer.speech_stopped") == turns
    assert_turns_transcribed(events, list(CLIPS.values()))


def test_python_ga_client_with_manual_commits(realtime_server: ServerProcess) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{realtime_server.base_url}/v1", api_key="unused")
    with client.realtime.connect(extra_query={"intent": "transcription"}) as connection:
        connection.recv()
        connection.session.update(session={"type": "transcription", "audio": {"input": {
            "turn_detection": None}}})  # fmt: skip
        connection.recv()
        events: list[dict[str, t.Any]] = []
        for path in CLIPS:
            for chunk in chunks(clip_pcm(path)):
                connection.input_audio_buffer.append(audio=chunk)
            connection.input_audio_buffer.commit()
            events += collect(connection, COMPLETED)
    committed = [e for e in events if e["type"] == "input_audio_buffer.committed"]
    assert committed[1]["previous_item_id"] == committed[0]["item_id"]
    assert "input_audio_buffer.speech_started" not in [e["type"] for e in events]
    assert_turns_transcribed(events, list(CLIPS.values()))


def test_python_beta_client(realtime_server: ServerProcess) -> None:
    import openai

    url = realtime_server.base_url
    client = openai.OpenAI(
        base_url=f"{url}/v1", api_key="unused", websocket_base_url=f"{url.replace('http', 'ws')}/v1"
    )
    path = next(iter(CLIPS))
    with client.beta.realtime.connect(
        model="gpt-4o-transcribe", extra_query={"intent": "transcription"}
    ) as connection:
        created = dump(connection.recv())
        assert created["type"] == "transcription_session.created"
        connection.send({"type": "transcription_session.update", "session": {
            "input_audio_format": "pcm16",
            "input_audio_transcription": {"model": "whisper-1", "language": "en"},
            "turn_detection": {"type": "server_vad"}}})  # fmt: skip
        assert dump(connection.recv())["type"] == "transcription_session.updated"
        for chunk in chunks(clip_pcm(path) + silence_pcm16(1.5)):
            connection.input_audio_buffer.append(audio=chunk)
        events = collect_until_quiet(connection, minimum=1)
    assert "conversation.item.created" in [e["type"] for e in events]
    assert_turns_transcribed(events, [CLIPS[path]])


@pytest.fixture(scope="module")
def tls_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[tuple[ServerProcess, Path]]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs openssl to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = start_server(
        tmp_path_factory, model_cache_dir, "--model", "tiny.en",
        "--tls-cert", str(cert), "--tls-key", str(key), scheme="https", ca_file=str(cert),
    )  # fmt: skip
    yield server, cert
    server.stop()


def test_node_client_over_wss(tls_server: tuple[ServerProcess, Path], tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "ws").is_dir():
        pytest.skip("needs node and conformance/node's packages (make conformance-deps)")
    server, cert = tls_server
    path = next(iter(CLIPS))
    pcm_file = tmp_path / "speech.pcm"
    pcm_file.write_bytes(clip_pcm(path))
    result = subprocess.run(
        [node, str(NODE_DIR / "realtime-check.mjs"), server.base_url, str(pcm_file)],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "NODE_EXTRA_CA_CERTS": str(cert)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    output = json.loads(result.stdout.strip().splitlines()[-1])
    assert output["url"].startswith("wss://127.0.0.1:")
    for event in output["events"]:
        validate_server_event(event)
    assert_turns_transcribed(output["events"], [CLIPS[path]])
