"""Word error rate on normalised text (Whisper's own English and basic normalisers), and the
manifest of the shared corpus."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import jiwer
from whisper_normalizer.basic import BasicTextNormalizer
from whisper_normalizer.english import EnglishTextNormalizer

_ENGLISH = EnglishTextNormalizer()
_BASIC = BasicTextNormalizer()
EXACT_QUALITIES = ("reference (human/dataset)", "test-asserted (matches known text)")


def normalise(text: str, language: str = "en") -> str:
    return _ENGLISH(text) if language == "en" else _BASIC(text)


def word_error_rate(reference: str, hypothesis: str, language: str = "en") -> float:
    ref = normalise(reference, language).split()
    hyp = normalise(hypothesis, language).split()
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.wer(" ".join(ref), " ".join(hyp) or "<empty>"))


def corpus_error_rate(pairs: list[tuple[str, str]], language: str = "en") -> float:
    """Errors over all reference words (not a mean of per-clip rates)."""
    refs = [normalise(ref, language) for ref, _ in pairs]
    hyps = [normalise(hyp, language) or "<empty>" for _, hyp in pairs]
    return float(jiwer.wer(refs, hyps))


def character_error_rate(reference: str, hypothesis: str) -> float:
    """For languages written without spaces (ja, zh, ko)."""
    ref = "".join(_BASIC(reference).split())
    hyp = "".join(_BASIC(hypothesis).split())
    return float(jiwer.cer(ref, hyp or "<empty>")) if ref else float(bool(hyp))


@dataclass(frozen=True)
class ManifestRow:
    path: str
    duration: float
    sample_rate: int
    channels: int
    codec: str
    language: str
    reference: str
    quality: str
    translation: str
    note: str

    @property
    def librispeech(self) -> bool:
        return "librispeech" in self.note.lower()

    @property
    def exact(self) -> bool:
        return self.quality in EXACT_QUALITIES


def read_manifest(audio_dir: Path) -> list[ManifestRow]:
    with open(audio_dir / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        return [
            ManifestRow(
                path=row["path"],
                duration=float(row["duration_s"]),
                sample_rate=int(row["sample_rate"]),
                channels=int(row["channels"]),
                codec=row["codec"],
                language=row["language"],
                reference=row["reference_transcript"],
                quality=row["transcript_quality"],
                translation=row["english_translation"],
                note=f"{row['source_path']} {row['transcript_note']}",
            )
            for row in csv.DictReader(handle, delimiter="\t")
        ]
