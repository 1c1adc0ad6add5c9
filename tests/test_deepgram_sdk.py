"""The official Deepgram Python SDK against a served whisperd (tiny.en): pre-recorded and
live transcription of real speech, and the errors it reports; every message the SDK
receives is checked against the specs."""

from __future__ import annotations

import threading
import time
import typing as t
from pathlib import Path

import pytest

from tests.support.deepgram import (
    JFK,
    JFK_WORDS,
    validate_listen_response,
    validate_server_message,
)
from tests.support.paths import shared_path
from tests.support.realtime import load_samples, pcm16
from tests.support.server import ServerProcess, start_server

deepgram = pytest.importorskip("deepgram")
from deepgram import DeepgramClient  # noqa: E402
from deepgram.core.api_error import ApiError  # noqa: E402
from deepgram.environment import DeepgramClientEnvironment  # noqa: E402
from websockets.exceptions import InvalidStatus  # noqa: E402

KEY = "deepgram-test-key-0123"
CHUNK_SECONDS = 0.1


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[ServerProcess]:
    server = start_server(
        tmp_path_factory, model_cache_dir, "--model", "tiny.en", WHISPERD_API_KEY=KEY
    )
    yield server
    server.stop()


def sdk(server: ServerProcess, key: str = KEY) -> DeepgramClient:
    ws = server.base_url.replace("http://", "ws://")
    environment = DeepgramClientEnvironment(
        base=server.base_url, production=ws, agent=ws, agent_rest=server.base_url
    )
    return DeepgramClient(api_key=key, environment=environment)


def as_json(message: t.Any) -> dict[str, t.Any]:
    dumped = message.model_dump(mode="json", exclude_unset=True)
    assert isinstance(dumped, dict)
    return dumped


def test_prerecorded_transcription_through_the_sdk(served: ServerProcess) -> None:
    audio = shared_path(JFK).read_bytes()
    response = sdk(served).listen.v1.media.transcribe_file(
        request=audio, model="nova-3", smart_format=True, utterances=True
    )
    body = as_json(response)
    validate_listen_response(body)
    alternative = response.results.channels[0].alternatives[0]
    assert all(word in alternative.transcript.lower() for word in JFK_WORDS)
    assert alternative.transcript[0].isupper()  # smart_format: punctuated as written
    assert response.metadata.duration == pytest.approx(11.0, abs=0.1)
    assert response.results.utterances and response.results.utterances[0].words


def test_a_wrong_key_is_deepgrams_401(served: ServerProcess) -> None:
    with pytest.raises(ApiError) as refused:
        sdk(served, "wrong").listen.v1.media.transcribe_file(request=b"\0" * 100)
    assert refused.value.status_code == 401
    assert refused.value.body["err_code"] == "INVALID_AUTH"


def test_an_unknown_model_is_a_400(served: ServerProcess) -> None:
    with pytest.raises(ApiError) as refused:
        sdk(served).listen.v1.media.transcribe_file(
            request=shared_path(JFK).read_bytes(), model="no-such-model"
        )
    assert refused.value.status_code == 400
    assert refused.value.body["err_code"] == "Bad Request"


def test_live_transcription_at_real_time_pace(served: ServerProcess) -> None:
    """JFK's 11 s fed at real time; reports onset-to-first-interim and end-of-speech-to-
    speech_final latencies (on whatever load the machine has)."""
    pcm = pcm16(load_samples(shared_path(JFK)), 16_000)
    chunk = int(16_000 * CHUNK_SECONDS) * 2
    received: list[tuple[float, dict[str, t.Any]]] = []
    with sdk(served).listen.v1.connect(
        model="nova-3",
        encoding="linear16",
        sample_rate=16000,
        interim_results="true",
        vad_events="true",
        endpointing=300,
        punctuate="true",
    ) as connection:

        def read() -> None:
            for message in connection:
                received.append((time.monotonic(), as_json(message)))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        started = time.monotonic()
        for offset in range(0, len(pcm), chunk):
            connection.send_media(pcm[offset : offset + chunk])
            time.sleep(max(0.0, started + (offset + chunk) / 32_000 - time.monotonic()))
        connection.send_media(b"\0\0" * 16_000)  # a second of silence ends the last turn
        time.sleep(1.0)
        connection.send_close_stream()
        reader.join(60)
    messages = [message for _, message in received]
    for message in messages:
        validate_server_message(message)
    assert messages[-1]["type"] == "Metadata"
    finals = [m for m in messages if m["type"] == "Results" and m["is_final"]]
    text = " ".join(m["channel"]["alternatives"][0]["transcript"] for m in finals).lower()
    assert all(word in text for word in JFK_WORDS), text
    interims = [(at, m) for at, m in received if m["type"] == "Results" and not m["is_final"]]
    onset = next(m["timestamp"] for m in messages if m["type"] == "SpeechStarted")
    if interims:
        print(f"\nonset to first interim: {interims[0][0] - (started + onset):.2f} s")
    for at, message in received:
        if message["type"] == "Results" and message.get("speech_final"):
            words = message["channel"]["alternatives"][0]["words"]
            if words:
                print(f"end of speech to speech_final: {at - (started + words[-1]['end']):.2f} s")


@pytest.mark.parametrize(
    "options",
    [
        {"encoding": "foo", "sample_rate": 16000},
        {"encoding": "linear16"},
        {"model": "no-such-model"},
    ],
)
def test_bad_live_options_fail_the_sdk_handshake_with_400(
    served: ServerProcess, options: dict[str, t.Any]
) -> None:
    # With websockets >= 14 the SDK lets the handshake's InvalidStatus through instead of
    # its own ApiError (it catches the legacy exception only); both carry the 400.
    arguments: dict[str, t.Any] = {"model": "nova-3", **options}
    with pytest.raises((ApiError, InvalidStatus)) as refused:  # noqa: SIM117
        with sdk(served).listen.v1.connect(**arguments):
            pass
    error = refused.value
    if isinstance(error, InvalidStatus):
        assert error.response.status_code == 400
        assert error.response.headers["dg-error"]
    else:
        assert isinstance(error, ApiError) and error.status_code == 400
