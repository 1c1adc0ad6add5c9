"""One Realtime transcription session over a real WebSocket, fed at real-time pace.

The client is what an application streaming a microphone does: ``session.update`` (the
model, PCM16 at 24 kHz, server VAD with OpenAI's defaults), then one
``input_audio_buffer.append`` per 100 ms chunk, each sent when it would have been recorded,
while a second task stamps every server event with the wall time it arrived.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import typing as t
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect

from bench.live.metrics import COMMITTED, COMPLETED, FAILED, STARTED, Received
from bench.live.pacing import CHUNK_SECONDS, LIVE_RATE, Pacing, chunk_bytes
from bench.live.streams import LiveStream

REALTIME_PATH = "/v1/realtime?intent=transcription"
DRAIN_SECONDS = 60.0  # after the last chunk, how long the turns may take to complete
SETUP_SECONDS = 60.0


@dataclass(frozen=True)
class TurnDetection:
    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500

    def event(self) -> dict[str, t.Any]:
        return {"type": "server_vad", "threshold": self.threshold,
                "prefix_padding_ms": self.prefix_padding_ms,
                "silence_duration_ms": self.silence_duration_ms}  # fmt: skip


@dataclass
class SessionRecord:
    stream: str
    pacing: Pacing
    events: list[Received] = field(default_factory=list)
    drained: bool = False  # every started and committed turn completed or failed in time
    errors: list[str] = field(default_factory=list)


def realtime_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1).rstrip("/") + REALTIME_PATH


def session_update(model: str, turn_detection: TurnDetection) -> dict[str, t.Any]:
    return {
        "type": "session.update",
        "session": {
            "type": "transcription",
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": LIVE_RATE},
                    "transcription": {"model": model},
                    "turn_detection": turn_detection.event(),
                }
            },
        },
    }


class _Tracker:
    """Which turns are still open, from the events as they arrive."""

    def __init__(self) -> None:
        self.pending: set[str] = set()
        self.changed = asyncio.Event()

    def see(self, event: dict[str, t.Any]) -> None:
        kind, item_id = event.get("type"), event.get("item_id")
        if kind in (STARTED, COMMITTED) and isinstance(item_id, str):
            self.pending.add(item_id)
        elif kind in (COMPLETED, FAILED) and isinstance(item_id, str):
            self.pending.discard(item_id)
        self.changed.set()


async def _expect(socket: ClientConnection, kind: str) -> dict[str, t.Any]:
    async with asyncio.timeout(SETUP_SECONDS):
        while True:
            event: dict[str, t.Any] = json.loads(await socket.recv())
            if event.get("type") == "error":
                raise RuntimeError(f"the server refused the session: {event['error']}")
            if event.get("type") == kind:
                return event


async def run_session(
    base_url: str,
    model: str,
    stream: LiveStream,
    turn_detection: TurnDetection,
    start_at: float | None = None,
    chunk_seconds: float = CHUNK_SECONDS,
) -> SessionRecord:
    """Stream ``stream`` once, starting at monotonic time ``start_at`` (now if None)."""
    chunks = [base64.b64encode(c).decode() for c in chunk_bytes(stream.pcm16(), chunk_seconds)]
    async with connect(
        realtime_url(base_url), compression=None, proxy=None, max_size=None, open_timeout=30
    ) as socket:
        await _expect(socket, "session.created")
        await socket.send(json.dumps(session_update(model, turn_detection)))
        await _expect(socket, "session.updated")
        if start_at is not None:
            await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        record = SessionRecord(stream.name, Pacing(time.monotonic(), chunk_seconds))
        tracker = _Tracker()
        receiver = asyncio.create_task(_receive(socket, record, tracker))
        try:
            for index, chunk in enumerate(chunks):
                due = record.pacing.started + (index + 1) * chunk_seconds
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                await socket.send(json.dumps({"type": "input_audio_buffer.append", "audio": chunk}))
                record.pacing.sent.append(time.monotonic())
            record.drained = await _drain(tracker, DRAIN_SECONDS)
        finally:
            receiver.cancel()
            await asyncio.gather(receiver, return_exceptions=True)
    return record


async def _receive(socket: ClientConnection, record: SessionRecord, tracker: _Tracker) -> None:
    async for message in socket:
        now = time.monotonic()
        event: dict[str, t.Any] = json.loads(message)
        record.events.append((now, event))
        if event.get("type") == "error":
            record.errors.append(json.dumps(event.get("error"))[:300])
        tracker.see(event)


async def _drain(tracker: _Tracker, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while tracker.pending:
        tracker.changed.clear()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            await asyncio.wait_for(tracker.changed.wait(), remaining)
        except TimeoutError:
            return False
    return True
