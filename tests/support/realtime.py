"""Realtime sessions in tests: audio in the wire formats, and a session over Starlette's
test client whose every server event is checked against spec/realtime.asyncapi.yaml."""

from __future__ import annotations

import base64
import json
import queue
import threading
import time
import typing as t
from pathlib import Path

import av
import numpy as np
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from whisperd.engine.audio import SAMPLE_RATE, decode_audio

from tests.support.asyncapi import validate_server_event

TRANSCRIPTION_URL = "/v1/realtime?intent=transcription"
# A session.update for manual commits (no turn detection).
MANUAL = {"type": "session.update", "session": {"type": "transcription",
          "audio": {"input": {"turn_detection": None}}}}  # fmt: skip
COMPLETED = "conversation.item.input_audio_transcription.completed"
DELTA = "conversation.item.input_audio_transcription.delta"


def load_samples(path: Path) -> np.ndarray:
    with open(path, "rb") as handle:
        return decode_audio(handle).samples


def resample(samples: np.ndarray, rate: int) -> np.ndarray:
    """16 kHz float samples at ``rate`` as 16-bit integers."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
    )
    frame.sample_rate = SAMPLE_RATE
    frames = [*resampler.resample(frame), *resampler.resample(None)]
    return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.int16)


def pcm16(samples: np.ndarray, rate: int = 24_000) -> bytes:
    return resample(samples, rate).astype("<i2").tobytes()


def g711(samples: np.ndarray, codec: t.Literal["pcm_mulaw", "pcm_alaw"]) -> bytes:
    """8 kHz G.711 bytes, encoded by FFmpeg."""
    linear = resample(samples, 8000)
    encoder = av.CodecContext.create(codec, "w")
    encoder.sample_rate, encoder.layout, encoder.format = 8000, "mono", "s16"
    frame = av.AudioFrame.from_ndarray(linear.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = 8000
    packets = [*encoder.encode(frame), *encoder.encode(None)]
    return b"".join(bytes(packet) for packet in packets)


def silence_pcm16(seconds: float, rate: int = 24_000) -> bytes:
    return b"\0\0" * int(seconds * rate)


def append_event(chunk: bytes) -> dict[str, t.Any]:
    return {"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk).decode()}


class Session:
    """A Realtime session on the in-process app; events are read by a thread so the test
    can send at its own pace, and every one is validated against the spec."""

    def __init__(self, client: TestClient, url: str = TRANSCRIPTION_URL, **connect: t.Any) -> None:
        self._context = client.websocket_connect(url, **connect)
        self.websocket = self._context.__enter__()
        self.events: queue.Queue[dict[str, t.Any] | None] = queue.Queue()
        self.received: list[dict[str, t.Any]] = []
        self.close_code: int | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while True:
                event = self.websocket.receive_json()
                validate_server_event(event)
                self.events.put(event)
        except WebSocketDisconnect as exc:
            self.close_code = exc.code
        except Exception as exc:  # a spec violation or a broken frame fails the test
            self.events.put({"type": "__test_failure__", "detail": repr(exc)})
        self.events.put(None)

    def send(self, event: dict[str, t.Any]) -> None:
        self.websocket.send_json(event)

    def send_audio(self, audio: bytes, *, chunk_seconds: float = 0.1, rate: int = 24_000,
                   pace: float = 0.0) -> None:  # fmt: skip
        """Append ``audio`` in chunks; ``pace`` 1.0 is real time, 0 as fast as possible."""
        size = int(chunk_seconds * rate) * 2
        for start in range(0, len(audio), size):
            self.send(append_event(audio[start : start + size]))
            if pace:
                time.sleep(chunk_seconds / pace)

    def next(self, timeout: float = 60.0) -> dict[str, t.Any]:
        event = self.events.get(timeout=timeout)
        if event is None:
            raise AssertionError(f"the session closed (code {self.close_code})")
        assert event["type"] != "__test_failure__", event["detail"]
        self.received.append(event)
        return event

    def until(self, kind: str, timeout: float = 120.0) -> list[dict[str, t.Any]]:
        """Events up to and including the next one of ``kind``."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            event = self.next(max(0.1, deadline - time.monotonic()))
            seen.append(event)
            if event["type"] == kind:
                return seen

    def closed(self, timeout: float = 30.0) -> int | None:
        """Wait for the server to close; its close code."""
        self._reader.join(timeout)
        return self.close_code

    def close(self) -> None:
        self._context.__exit__(None, None, None)
        self._reader.join(5)


def joined_deltas(events: list[dict[str, t.Any]], item_id: str) -> str:
    return "".join(e["delta"] for e in events if e["type"] == DELTA and e["item_id"] == item_id)


def messages_until_closed(
    connection: ClientConnection, validate: t.Callable[[t.Any], None], timeout: float = 60.0
) -> tuple[list[dict[str, t.Any]], int | None]:
    """Every message a ``websockets`` connection gets until the server closes it, each
    validated; and the close code."""
    messages: list[dict[str, t.Any]] = []
    try:
        while True:
            message = json.loads(connection.recv(timeout=timeout))
            validate(message)
            messages.append(message)
    except ConnectionClosed as closed:
        return messages, closed.rcvd.code if closed.rcvd else None


def open_manual_session(url: str) -> ClientConnection:
    """A ``websockets`` connection to a Realtime ``url`` (``ws://…/v1/realtime?intent=
    transcription``), its session set for manual commits."""
    connection = connect(url, max_size=None)
    assert json.loads(connection.recv(timeout=60))["type"] == "session.created"
    connection.send(json.dumps(MANUAL))
    assert json.loads(connection.recv(timeout=60))["type"] == "session.updated"
    return connection


def buffer_audio(connection: ClientConnection, audio: bytes, chunk: int = 48_000) -> None:
    """Append ``audio`` (24 kHz PCM16), uncommitted, and return once the server holds all
    of it: events are handled in order, so a retrieve's error is answered after them."""
    for start in range(0, len(audio), chunk):
        connection.send(json.dumps(append_event(audio[start : start + chunk])))
    connection.send(json.dumps({"type": "conversation.item.retrieve", "item_id": "item_none"}))
    assert json.loads(connection.recv(timeout=60))["type"] == "error"
