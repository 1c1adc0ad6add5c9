"""Normalised word error rate, computed as the project's tests compute it: Whisper's English
normaliser on both sides, and errors summed over every reference word of a set of files
(not a mean of per-file rates, which would overweight short clips)."""

from __future__ import annotations

from collections.abc import Sequence

import jiwer
from whisper_normalizer.english import EnglishTextNormalizer

_ENGLISH = EnglishTextNormalizer()
EMPTY_HYPOTHESIS = "<empty>"  # jiwer refuses an empty string; this counts as all deletions


def normalise(text: str) -> str:
    return " ".join(_ENGLISH(text).split())


def word_count(text: str) -> int:
    return len(normalise(text).split())


def corpus_wer(pairs: Sequence[tuple[str, str]]) -> float:
    """Word errors over all reference words of ``(reference, hypothesis)`` pairs."""
    references = [normalise(reference) for reference, _ in pairs]
    hypotheses = [normalise(hypothesis) or EMPTY_HYPOTHESIS for _, hypothesis in pairs]
    kept = [(r, h) for r, h in zip(references, hypotheses, strict=True) if r]
    if not kept:
        raise ValueError("no reference words to score against")
    return float(jiwer.wer([r for r, _ in kept], [h for _, h in kept]))


def wer(reference: str, hypothesis: str) -> float:
    return corpus_wer([(reference, hypothesis)])
