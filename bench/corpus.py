"""The benchmark's audio, all of it real speech from ``../shared/audio`` read in place.

Only clips whose transcript is a human reference or a test-asserted known text are used, so
every word error rate is exact (``MANIFEST.tsv``'s ``transcript_quality``). Long files are the
``en_long`` clips as they are, plus files built by joining clips (LibriSpeech read speech from
``en_read``, or the ``en_long`` clips for the ≥ 2 min batched comparison): their reference is
the clips' references joined. Joined files are 16 kHz mono 16-bit WAV written to a scratch
directory, never into the repository.
"""

from __future__ import annotations

import csv
import mimetypes
import os
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whisperd.engine.audio import SAMPLE_RATE, decode_audio

REPO = Path(__file__).resolve().parent.parent
EXACT_QUALITIES = ("reference (human/dataset)", "test-asserted (matches known text)")
JOIN_GAP_SECONDS = 0.5  # silence between joined clips, so no word is cut into the next


def default_shared_dir() -> Path:
    return Path(os.environ.get("WHISPERD_SHARED_DIR", REPO.parent / "shared"))


class SharedDataMissing(Exception):
    """``../shared/audio`` is not beside the repository: the benchmark has nothing to run on."""


@dataclass(frozen=True)
class ManifestRow:
    path: str
    duration: float
    language: str
    reference: str
    quality: str
    note: str = ""

    @property
    def librispeech(self) -> bool:
        return "librispeech" in self.note.lower()

    @property
    def exact(self) -> bool:
        return self.quality in EXACT_QUALITIES

    @property
    def stem(self) -> str:
        return Path(self.path).stem


@dataclass
class Clip:
    """One file the benchmark sends: its bytes, length and reference transcript."""

    name: str
    path: Path
    duration: float
    reference: str
    sources: list[str] = field(default_factory=list)
    # A joined file's clips in order, (name, reference): errors can be told apart by clip.
    parts: list[tuple[str, str]] = field(default_factory=list)
    _data: bytes | None = field(default=None, repr=False)

    @property
    def data(self) -> bytes:
        """The file's bytes, read once: uploads then cost no disk reads inside the timings."""
        if self._data is None:
            self._data = self.path.read_bytes()
        return self._data

    @property
    def mime_type(self) -> str:
        return mimetypes.guess_type(self.path.name)[0] or "application/octet-stream"

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "file": self.path.name,
            "duration_s": round(self.duration, 3),
            "sources": self.sources,
        }


def read_manifest(audio_dir: Path) -> list[ManifestRow]:
    manifest = audio_dir / "MANIFEST.tsv"
    if not manifest.is_file():
        raise SharedDataMissing(
            f"{manifest} is missing: the benchmark runs on the shared corpus "
            "(set WHISPERD_SHARED_DIR or put shared/ beside the repository)"
        )
    with open(manifest, newline="", encoding="utf-8") as handle:
        return [
            ManifestRow(
                path=row["path"],
                duration=float(row["duration_s"]),
                language=row["language"],
                reference=row["reference_transcript"],
                quality=row["transcript_quality"],
                note=f"{row['source_path']} {row['transcript_note']}",
            )
            for row in csv.DictReader(handle, delimiter="\t")
        ]


class Corpus:
    """Picks the clips of each part of the benchmark from the manifest."""

    def __init__(self, audio_dir: Path, scratch_dir: Path) -> None:
        self.audio_dir = audio_dir
        self.scratch_dir = scratch_dir
        self.rows = read_manifest(audio_dir)

    def exact_english(self, category: str) -> list[ManifestRow]:
        return [
            row
            for row in self.rows
            if row.path.startswith(f"{category}/") and row.exact and row.language == "en"
        ]

    def clip(self, row: ManifestRow) -> Clip:
        return Clip(
            name=row.stem,
            path=self.audio_dir / row.path,
            duration=row.duration,
            reference=row.reference,
            sources=[row.path],
        )

    def long_clips(self, names: list[str] | None) -> list[Clip]:
        """The exact-reference ``en_long`` clips (all, or those whose stem is in ``names``)."""
        rows = self.exact_english("en_long")
        if names is not None:
            rows = [row for row in rows if row.stem in names]
        return [self.clip(row) for row in rows]

    def read_speech(self, limit: int | None = None) -> list[ManifestRow]:
        """``en_read`` clips with exact references, LibriSpeech first (the bulk of them)."""
        rows = self.exact_english("en_read")
        rows.sort(key=lambda row: not row.librispeech)  # stable: manifest order within each
        return rows[:limit] if limit is not None else rows

    def short_clips(self, limit: int | None = None) -> list[Clip]:
        return [self.clip(row) for row in self.read_speech(limit)]

    def latency_clip(self, target_seconds: float = 5.0) -> Clip:
        """The exact-reference read-speech clip closest to ``target_seconds``."""
        row = min(self.read_speech(), key=lambda r: abs(r.duration - target_seconds))
        return self.clip(row)

    def joined(self, name: str, rows: list[ManifestRow]) -> Clip:
        """One WAV file of ``rows`` back to back, with their references joined."""
        if not rows:
            raise ValueError(f"nothing to join for {name}")
        gap = np.zeros(int(JOIN_GAP_SECONDS * SAMPLE_RATE), dtype=np.float32)
        pieces: list[np.ndarray] = []
        for row in rows:
            with open(self.audio_dir / row.path, "rb") as handle:
                pieces.extend([decode_audio(handle).samples, gap])
        samples = np.concatenate(pieces[:-1])
        path = self.scratch_dir / f"{name}.wav"
        write_wav(path, samples)
        return Clip(
            name=name,
            path=path,
            duration=len(samples) / SAMPLE_RATE,
            reference=" ".join(row.reference for row in rows),
            sources=[row.path for row in rows],
            parts=[(row.stem, row.reference) for row in rows],
        )


def write_wav(path: Path, samples: np.ndarray) -> None:
    """16 kHz mono 16-bit PCM, what a client recording speech would plausibly upload."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
