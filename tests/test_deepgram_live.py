"""Deepgram's live WebSocket on the in-process app: every server message is checked against
spec/deepgram.asyncapi.yaml; refusals and closes are Deepgram's."""

from __future__ import annotations

import io
import json
import time
import typing as t
from pathlib import Path

import av
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.support.deepgram import JFK, JFK_WORDS, refused_upgrade, validate_server_message
from tests.support.inprocess import app_client
from tests.support.paths import shared_path
from tests.support.realtime import load_samples, pcm16

PCM_URL = "/v1/listen?encoding=linear16&sample_rate=16000"
NET_0001 = "Deepgram did not receive audio data or a text message within the timeout window."


@pytest.fixture(scope="module")
def client(model_cache_dir: Path) -> t.Iterator[TestClient]:
    with app_client(model_cache_dir) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def impatient(model_cache_dir: Path) -> t.Iterator[TestClient]:
    """An app whose Deepgram sockets time out after 1 s instead of 10."""
    with app_client(model_cache_dir, deepgram_idle_timeout=1.0) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def jfk_pcm() -> bytes:
    return pcm16(load_samples(shared_path(JFK)), 16_000)


def receive_all(ws: t.Any) -> tuple[list[dict[str, t.Any]], int]:
    """Every message until the server closes, each validated; and the close code."""
    messages: list[dict[str, t.Any]] = []
    while True:
        try:
            message = ws.receive_json()
        except WebSocketDisconnect as exc:
            return messages, exc.code
        validate_server_message(message)
        messages.append(message)


def send_chunks(ws: t.Any, audio: bytes, chunk: int = 3200, pace: float = 0.0) -> None:
    """``pace``: 1.0 is real time for 16 kHz linear16, 0 as fast as possible."""
    for start in range(0, len(audio), chunk):
        ws.send_bytes(audio[start : start + chunk])
        if pace:
            time.sleep(chunk / 32_000 / pace)


def finals(messages: list[dict[str, t.Any]]) -> str:
    return " ".join(
        m["channel"]["alternatives"][0]["transcript"]
        for m in messages
        if m["type"] == "Results" and m["is_final"]
    ).lower()


def test_linear16_stream_gives_interims_finals_events_and_metadata(
    client: TestClient, jfk_pcm: bytes
) -> None:
    # A long endpointing keeps the speech one turn, so partial decodes land in it even on a
    # loaded machine.
    url = (
        f"{PCM_URL}&interim_results=true&vad_events=true&utterance_end_ms=1000&punctuate=true"
        "&endpointing=1500"
    )
    with client.websocket_connect(url) as ws:
        send_chunks(ws, jfk_pcm + b"\0\0" * 16_000 * 2, pace=1.0)
        ws.send_text(json.dumps({"type": "CloseStream"}))
        messages, code = receive_all(ws)
    assert code == 1000
    kinds = [m["type"] for m in messages]
    assert kinds[-1] == "Metadata" and kinds.count("Metadata") == 1
    assert "SpeechStarted" in kinds and "UtteranceEnd" in kinds
    assert any(m["type"] == "Results" and not m["is_final"] for m in messages)
    text = finals(messages)
    assert all(word in text for word in JFK_WORDS), text
    metadata = messages[-1]
    assert metadata["duration"] == pytest.approx(len(jfk_pcm) / 32_000 + 2, abs=0.1)


def test_final_results_end_on_silence_as_speech_final(client: TestClient, jfk_pcm: bytes) -> None:
    with client.websocket_connect(f"{PCM_URL}&endpointing=300") as ws:
        send_chunks(ws, jfk_pcm + b"\0\0" * 16_000)
        ws.send_text(json.dumps({"type": "CloseStream"}))
        messages, _ = receive_all(ws)
    results = [m for m in messages if m["type"] == "Results"]
    assert results and all(m["is_final"] for m in results)  # no interim_results asked
    assert any(m["speech_final"] for m in results)
    words = [w for m in results for w in m["channel"]["alternatives"][0]["words"]]
    assert all(w["start"] <= w["end"] for w in words)
    assert all("punctuated_word" not in w for w in words)


def test_finalize_flushes_with_from_finalize(client: TestClient, jfk_pcm: bytes) -> None:
    with client.websocket_connect(f"{PCM_URL}&endpointing=false") as ws:
        send_chunks(ws, jfk_pcm[: 32_000 * 2])  # two seconds: mid-speech
        ws.send_text(json.dumps({"type": "Finalize"}))
        message = ws.receive_json()
        while message["type"] != "Results" or not message["is_final"]:
            message = ws.receive_json()
        validate_server_message(message)
        ws.send_text(json.dumps({"type": "CloseStream"}))
        receive_all(ws)
    assert message["from_finalize"] is True and message["speech_final"] is False
    assert "fellow" in message["channel"]["alternatives"][0]["transcript"].lower()


def test_finalize_after_the_turns_ended_answers_after_their_finals(
    client: TestClient, jfk_pcm: bytes
) -> None:
    # Every turn has ended on silence and is still being transcribed: the from_finalize
    # result says all the audio sent before Finalize has been, so it comes after them.
    with client.websocket_connect(f"{PCM_URL}&endpointing=300") as ws:
        send_chunks(ws, jfk_pcm + b"\0\0" * 16_000)
        ws.send_text(json.dumps({"type": "Finalize"}))
        ws.send_text(json.dumps({"type": "CloseStream"}))
        messages, code = receive_all(ws)
    assert code == 1000
    results = [m for m in messages if m["type"] == "Results"]
    flushed = [i for i, m in enumerate(results) if m["from_finalize"]]
    assert len(flushed) == 1 and flushed[0] == len(results) - 1, [
        (m["from_finalize"], m["channel"]["alternatives"][0]["transcript"]) for m in results
    ]
    assert results[-1]["channel"]["alternatives"][0]["words"] == []
    assert all(word in finals(messages) for word in JFK_WORDS)


def test_webm_opus_from_a_browser_is_decoded_as_it_arrives(client: TestClient) -> None:
    samples = load_samples(shared_path(JFK))
    out = io.BytesIO()
    with av.open(out, "w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48_000)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=48_000)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = 16_000
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(resampled):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    with client.websocket_connect("/v1/listen") as ws:
        send_chunks(ws, out.getvalue(), 2000)
        ws.send_text(json.dumps({"type": "CloseStream"}))
        messages, code = receive_all(ws)
    assert code == 1000
    assert all(word in finals(messages) for word in JFK_WORDS)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("encoding=foo&sample_rate=16000", "encoding"),
        ("encoding=linear16", "sample_rate"),
        ("encoding=linear16&sample_rate=16000&model=no-such-model", "model"),
        ("encoding=linear16&sample_rate=16000&interim_results=maybe", "interim_results"),
    ],
)
def test_bad_options_refuse_the_upgrade_with_400(
    client: TestClient, query: str, param: str
) -> None:
    response = refused_upgrade(client, f"/v1/listen?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["err_code"] == "Bad Request" and param in body["err_msg"]


def test_a_silent_client_is_closed_with_net_0001(impatient: TestClient) -> None:
    with impatient.websocket_connect(PCM_URL) as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 1011
    assert closed.value.reason.startswith(NET_0001)


def test_keepalive_keeps_a_silent_client_open(impatient: TestClient) -> None:
    with impatient.websocket_connect(PCM_URL) as ws:
        for _ in range(5):  # 2.5 s without audio, more than the 1 s idle timeout
            ws.send_text(json.dumps({"type": "KeepAlive"}))
            time.sleep(0.5)
        ws.send_text(json.dumps({"type": "CloseStream"}))
        messages, code = receive_all(ws)
    assert code == 1000 and [m["type"] for m in messages] == ["Metadata"]


def test_a_bad_text_frame_is_answered_and_the_session_goes_on(client: TestClient) -> None:
    with client.websocket_connect(PCM_URL) as ws:
        ws.send_text("not json")
        error = ws.receive_json()
        ws.send_text(json.dumps({"type": "Nonsense"}))
        unknown = ws.receive_json()
        ws.send_text(json.dumps({"type": "CloseStream"}))
        messages, code = receive_all(ws)
    for message in (error, unknown):
        validate_server_message(message)
        assert message["type"] == "Error"
    assert "Nonsense" in unknown["description"]
    assert code == 1000 and messages[-1]["type"] == "Metadata"


def test_undecodable_container_audio_closes_with_data_0000(client: TestClient) -> None:
    noise = b"this is not audio in any container " * 2000
    with client.websocket_connect("/v1/listen") as ws:
        send_chunks(ws, noise, 5000)
        ws.send_text(json.dumps({"type": "CloseStream"}))
        _, code = receive_all(ws)
    assert code == 1008


def test_a_wrong_key_is_refused_with_401(model_cache_dir: Path) -> None:
    with app_client(model_cache_dir, api_key="sekrit-key-123") as keyed:
        refused = refused_upgrade(keyed, PCM_URL, headers={"Authorization": "Token wrong"})
        with keyed.websocket_connect(
            PCM_URL, headers={"Authorization": "Token sekrit-key-123"}
        ) as ws:
            ws.send_text(json.dumps({"type": "CloseStream"}))
            messages, code = receive_all(ws)
    assert refused.status_code == 401
    assert refused.json()["err_code"] == "INVALID_AUTH"
    assert code == 1000 and messages[-1]["type"] == "Metadata"
