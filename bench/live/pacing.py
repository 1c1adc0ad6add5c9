"""Real-time pacing: the stream is cut into fixed chunks, and chunk ``k`` is sent when a
microphone would have finished recording it, ``(k + 1) × chunk`` seconds after the start.

Latencies are measured from the wall time a piece of audio was *sent*, so what the client
itself was late by (a busy machine) counts against the server only as far as it delays
the audio it gets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

CHUNK_SECONDS = 0.1
LIVE_RATE = 24_000  # the Realtime API's audio/pcm rate
BYTES_PER_SAMPLE = 2


def chunk_bytes(pcm: bytes, chunk_seconds: float = CHUNK_SECONDS) -> list[bytes]:
    """PCM16 mono at :data:`LIVE_RATE` cut into chunks (the last one may be shorter)."""
    size = round(chunk_seconds * LIVE_RATE) * BYTES_PER_SAMPLE
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


def schedule(chunks: int, chunk_seconds: float = CHUNK_SECONDS) -> list[float]:
    """Seconds after the start at which each chunk is due."""
    return [(k + 1) * chunk_seconds for k in range(chunks)]


@dataclass
class Pacing:
    """When each chunk was really sent (monotonic seconds), against when it was due."""

    started: float
    chunk_seconds: float = CHUNK_SECONDS
    sent: list[float] = field(default_factory=list)

    def sent_by(self, position_seconds: float) -> float:
        """Wall time by which all audio before ``position_seconds`` of the stream had been
        sent: the send time of the chunk holding the audio just before that position."""
        if not self.sent:
            raise ValueError("no audio was sent")
        index = math.ceil(round(position_seconds / self.chunk_seconds, 6)) - 1
        return self.sent[min(max(index, 0), len(self.sent) - 1)]

    def drift(self) -> list[float]:
        """How late each chunk went out against its schedule (seconds, ≥ 0 when late)."""
        due = schedule(len(self.sent), self.chunk_seconds)
        return [sent - self.started - when for sent, when in zip(self.sent, due, strict=True)]
