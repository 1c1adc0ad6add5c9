"""A two-speaker conversation cut from real recordings of ../shared/audio, with the spans each
speaker holds, and a reference clip of the first speaker taken from a different recording."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from whisperd.diarize.embedding import WeightsNotFoundError, find_weights
from whisperd.engine.audio import SAMPLE_RATE, decode_audio

from tests.support.audio import write_wav
from tests.support.paths import shared_path

# LibriSpeech reader 1089 and reader 1995: two different voices.
FIRST = ("en_read/Speech2Text__1089-134686-0000.flac", "en_read/Speech2Text__1089-134691-0000.flac")
SECOND = "en_read/wenet__librispeech-1995-1837-0001.wav"
FIRST_REFERENCE = "en_read/Speech2Text__1089-134691-0001.flac"
PAUSE_SECONDS = 1.0
_LEVEL = 10 ** (-26 / 20)


@dataclass(frozen=True)
class Conversation:
    path: Path  # 16 kHz mono WAV
    spans: list[tuple[float, float, str]]  # (start, end, "first" | "second")
    reference_wav: bytes  # the first speaker, from another recording


def _load(relative: str) -> np.ndarray:
    with shared_path(f"audio/{relative}").open("rb") as handle:
        samples = decode_audio(handle).samples
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return (samples * (_LEVEL / max(rms, 1e-6))).astype(np.float32)


def _wav_bytes(samples: np.ndarray, directory: Path, name: str) -> bytes:
    return write_wav(directory / name, samples).read_bytes()


def build_conversation(directory: Path) -> Conversation:
    """first speaker, pause, second speaker, pause, first speaker again (about 23 s)."""
    pieces = [(_load(FIRST[0]), "first"), (_load(SECOND), "second"), (_load(FIRST[1]), "first")]
    pause = np.zeros(int(PAUSE_SECONDS * SAMPLE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    spans: list[tuple[float, float, str]] = []
    cursor = 0
    for index, (samples, who) in enumerate(pieces):
        if index:
            parts.append(pause)
            cursor += len(pause)
        spans.append((cursor / SAMPLE_RATE, (cursor + len(samples)) / SAMPLE_RATE, who))
        parts.append(samples)
        cursor += len(samples)
    path = write_wav(directory / "conversation.wav", np.concatenate(parts))
    reference = _wav_bytes(_load(FIRST_REFERENCE), directory, "first-reference.wav")
    return Conversation(path, spans, reference)


def who_spoke(conversation: Conversation, start: float, end: float) -> str:
    """Which speaker's span a segment overlaps most."""
    overlaps = {
        who: min(end, b) - max(start, a)
        for a, b, who in conversation.spans
        if min(end, b) > max(start, a)
    }
    return max(overlaps, key=lambda who: overlaps[who]) if overlaps else "none"


def clip_wav(seconds: float, directory: Path) -> bytes:
    """A reference of ``seconds`` of the first speaker (for the length checks)."""
    samples = _load(FIRST_REFERENCE)
    if len(samples) < seconds * SAMPLE_RATE:
        samples = np.tile(samples, int(np.ceil(seconds * SAMPLE_RATE / len(samples))))
    return _wav_bytes(samples[: int(seconds * SAMPLE_RATE)], directory, f"clip-{seconds:g}.wav")


def data_url(content: bytes, media_type: str = "audio/wav") -> str:
    return f"data:{media_type};base64," + base64.b64encode(content).decode("ascii")


def require_speaker_weights() -> None:
    """Skip, saying why, where the speaker encoder's weights are not installed."""
    try:
        find_weights()
    except WeightsNotFoundError as exc:
        pytest.skip(str(exc))
