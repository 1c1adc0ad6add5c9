"""The audio a live session speaks: real read-speech clips from ``../shared/audio`` joined
into one multi-turn stream, with silence before, between and after the utterances (so the
server's VAD ends every turn), at the Realtime API's 24 kHz.

The same samples are written as a WAV file for the HTTP comparison, and Silero VAD (no
padding) finds where speech really starts in them, offline.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from faster_whisper.audio import decode_audio
from faster_whisper.vad import VadOptions, get_speech_timestamps

from bench.corpus import Corpus, ManifestRow
from bench.live.metrics import Segment
from bench.live.pacing import LIVE_RATE

VAD_RATE = 16_000
LEAD_SECONDS = 1.0  # silence before the first utterance
GAP_SECONDS = 1.5  # between utterances: three times the server's 500 ms silence
TAIL_SECONDS = 2.0  # after the last one, so its turn ends on the VAD
MIN_CLIP_SECONDS = 5.0
MAX_CLIP_SECONDS = 30.0


@dataclass(frozen=True)
class Utterance:
    source: str
    reference: str
    start_s: float
    duration_s: float


@dataclass(frozen=True)
class LiveStream:
    name: str
    samples: np.ndarray  # float32 mono at LIVE_RATE
    utterances: tuple[Utterance, ...]
    speech: tuple[Segment, ...]  # offline speech segments, seconds into the stream
    passes: int = 1
    pass_seconds: float = 0.0  # how far apart the same speech is in consecutive passes

    @property
    def duration_s(self) -> float:
        return len(self.samples) / LIVE_RATE

    @property
    def reference(self) -> str:
        return " ".join(u.reference for u in self.utterances)

    def pcm16(self) -> bytes:
        return bytes((np.clip(self.samples, -1.0, 1.0) * 32767).astype("<i2").tobytes())

    def write_wav(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(LIVE_RATE)
            out.writeframes(self.pcm16())
        return path

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "duration_s": round(self.duration_s, 3),
            "passes": self.passes,
            "pass_seconds": round(self.pass_seconds, 3),
            "utterances": [
                {"source": u.source, "start_s": round(u.start_s, 3), "duration_s": u.duration_s}
                for u in self.utterances
            ],
            "offline_speech": [[round(a, 3), round(b, 3)] for a, b in self.speech],
        }


def live_rows(corpus: Corpus, names: tuple[str, ...] | None) -> list[ManifestRow]:
    """Exact-reference ``en_read`` clips of 5 to 30 s (or those whose stem is in ``names``,
    in that order)."""
    rows = corpus.read_speech()
    if names is not None:
        by_stem = {row.stem: row for row in rows}
        return [by_stem[name] for name in names]
    return [r for r in rows if MIN_CLIP_SECONDS <= r.duration <= MAX_CLIP_SECONDS]


def rotated(rows: list[ManifestRow], by: int) -> list[ManifestRow]:
    """The same clips starting at another one, so concurrent sessions' turns do not align."""
    by %= max(len(rows), 1)
    return rows[by:] + rows[:by]


def build_stream(
    name: str, clips: list[ManifestRow], audio_dir: Path, passes: int = 1
) -> LiveStream:
    """``clips`` spoken ``passes`` times over, one utterance after another."""
    if not clips or passes < 1:
        raise ValueError(f"no clips for {name}")
    rows = clips * passes
    live_pieces = [np.zeros(round(LEAD_SECONDS * LIVE_RATE), dtype=np.float32)]
    vad_pieces = [np.zeros(round(LEAD_SECONDS * VAD_RATE), dtype=np.float32)]
    utterances = []
    position = LEAD_SECONDS
    for index, row in enumerate(rows):
        path = str(audio_dir / row.path)
        live = decode_audio(path, sampling_rate=LIVE_RATE).astype(np.float32)
        vad = decode_audio(path, sampling_rate=VAD_RATE).astype(np.float32)
        utterances.append(Utterance(row.path, row.reference, position, len(live) / LIVE_RATE))
        silence = TAIL_SECONDS if index == len(rows) - 1 else GAP_SECONDS
        live_pieces += [live, np.zeros(round(silence * LIVE_RATE), dtype=np.float32)]
        # the 16 kHz copy keeps the 24 kHz layout, so its times are the stream's
        length = round(len(live) / LIVE_RATE * VAD_RATE)
        vad_pieces.append(np.pad(vad[:length], (0, max(0, length - len(vad)))))
        vad_pieces.append(np.zeros(round(silence * VAD_RATE), dtype=np.float32))
        position += len(live) / LIVE_RATE + silence
    per_pass = len(clips)
    return LiveStream(
        name=name,
        samples=np.concatenate(live_pieces),
        utterances=tuple(utterances),
        speech=offline_speech(np.concatenate(vad_pieces)),
        passes=passes,
        pass_seconds=utterances[per_pass].start_s - utterances[0].start_s if passes > 1 else 0.0,
    )


def offline_speech(samples: np.ndarray) -> tuple[Segment, ...]:
    """Silero's speech segments of 16 kHz audio, unpadded, in seconds."""
    options = VadOptions(speech_pad_ms=0, min_silence_duration_ms=100)
    found = get_speech_timestamps(samples, options, sampling_rate=VAD_RATE)
    return tuple((s["start"] / VAD_RATE, s["end"] / VAD_RATE) for s in found)
