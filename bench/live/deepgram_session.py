"""One Deepgram live session (``/v1/listen``) over a real WebSocket, fed at real-time pace.

The client is what an application streaming a microphone to Deepgram does: the options in
the URL (linear16, interim results, endpointing, utterance ends, VAD events), then the same
100 ms PCM16 chunks the Realtime client sends, as binary frames on the same schedule, while a
second task stamps every message with the wall time it arrived; at the end ``CloseStream``,
and the session lasts until ``Metadata`` (the server sends every final before it).

The audio is the stream's own PCM16 at 24 kHz (``sample_rate=24000``), so the server
resamples exactly what the Realtime session sends it and both protocols hear the same audio.
"""

from __future__ import annotations

import asyncio
import json
import time
import typing as t
from dataclasses import dataclass
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.live.deepgram_metrics import ERROR, metadata_received
from bench.live.pacing import CHUNK_SECONDS, LIVE_RATE, Pacing, chunk_bytes
from bench.live.session import DRAIN_SECONDS, SETUP_SECONDS, SessionRecord
from bench.live.streams import LiveStream

LISTEN_PATH = "/v1/listen"
CLOSE_STREAM = json.dumps({"type": "CloseStream"})


@dataclass(frozen=True)
class ListenOptions:
    """The live options the bench asks for: a turn ends as the Realtime session's does
    (500 ms of silence), and every message Deepgram can send is asked for."""

    endpointing_ms: int = 500
    utterance_end_ms: int = 1000  # Deepgram's minimum
    punctuate: bool = True  # the transcript as Whisper wrote it, as the Realtime one is

    def query(self, model: str, sample_rate: int = LIVE_RATE) -> dict[str, str]:
        return {
            "model": model,
            "encoding": "linear16",
            "sample_rate": str(sample_rate),
            "channels": "1",
            "interim_results": "true",
            "endpointing": str(self.endpointing_ms),
            "utterance_end_ms": str(self.utterance_end_ms),
            "vad_events": "true",
            "punctuate": "true" if self.punctuate else "false",
        }


def listen_url(base_url: str, model: str, options: ListenOptions) -> str:
    socket_base = base_url.replace("http://", "ws://", 1).rstrip("/")
    return f"{socket_base}{LISTEN_PATH}?{urlencode(options.query(model))}"


async def run_deepgram_session(
    base_url: str,
    model: str,
    stream: LiveStream,
    options: ListenOptions,
    start_at: float | None = None,
    chunk_seconds: float = CHUNK_SECONDS,
) -> SessionRecord:
    """Stream ``stream`` once, starting at monotonic time ``start_at`` (now if None);
    ``drained`` says ``Metadata`` came within :data:`DRAIN_SECONDS` of ``CloseStream``."""
    chunks = chunk_bytes(stream.pcm16(), chunk_seconds)
    async with connect(
        listen_url(base_url, model, options),
        compression=None,
        proxy=None,
        max_size=None,
        open_timeout=SETUP_SECONDS,  # the server loads the model before it accepts
    ) as socket:
        if start_at is not None:
            await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        record = SessionRecord(stream.name, Pacing(time.monotonic(), chunk_seconds))
        receiver = asyncio.create_task(_receive(socket, record))
        try:
            for index, chunk in enumerate(chunks):
                due = record.pacing.started + (index + 1) * chunk_seconds
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                await socket.send(chunk)
                record.pacing.sent.append(time.monotonic())
            await socket.send(CLOSE_STREAM)
            await asyncio.wait({receiver}, timeout=DRAIN_SECONDS)  # the server closes after it
            record.drained = metadata_received(record.events)
        finally:
            receiver.cancel()
            await asyncio.gather(receiver, return_exceptions=True)
    return record


async def _receive(socket: ClientConnection, record: SessionRecord) -> None:
    """Until the server closes the socket (after ``Metadata``) or the session is cancelled."""
    try:
        async for message in socket:
            now = time.monotonic()
            if not isinstance(message, str):
                record.errors.append(f"unexpected binary message of {len(message)} bytes")
                continue
            event: dict[str, t.Any] = json.loads(message)
            record.events.append((now, event))
            if event.get("type") == ERROR:
                record.errors.append(json.dumps(event)[:300])
    except ConnectionClosed:
        pass  # its code is read below
    if socket.close_code not in (None, 1000):
        record.errors.append(f"closed with {socket.close_code}: {socket.close_reason}")
