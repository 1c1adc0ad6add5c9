"""Normalised word error rate, computed as the project's tests compute it: Whisper's English
normaliser on both sides, and errors summed over every reference word of a set of files
(not a mean of per-file rates, which would overweight short clips)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class PartErrors:
    """One joined part's share of the errors of a transcript of the whole."""

    name: str
    words: int
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0

    @property
    def wer(self) -> float:
        errors = self.substitutions + self.deletions + self.insertions
        return errors / self.words if self.words else 0.0


def part_errors(parts: Sequence[tuple[str, str]], hypothesis: str) -> list[PartErrors]:
    """The errors of ``hypothesis``, a transcript of the ``(name, reference)`` parts joined in
    order, told apart by part: one alignment against the joined reference, each substitution
    and deletion counted for the part of its reference word, each insertion for the part of
    the reference word after it (or the last part)."""
    owners: list[int] = []
    words: list[str] = []
    for index, (_, reference) in enumerate(parts):
        part_words = normalise(reference).split()
        words += part_words
        owners += [index] * len(part_words)
    if not words:
        raise ValueError("no reference words to score against")
    counts = [[0, 0, 0] for _ in parts]  # substitutions, deletions, insertions
    output = jiwer.process_words(" ".join(words), normalise(hypothesis) or EMPTY_HYPOTHESIS)
    for chunk in output.alignments[0]:
        if chunk.type == "insert":
            owner = owners[min(chunk.ref_start_idx, len(owners) - 1)]
            counts[owner][2] += chunk.hyp_end_idx - chunk.hyp_start_idx
        elif chunk.type in ("substitute", "delete"):
            kind = 0 if chunk.type == "substitute" else 1
            for position in range(chunk.ref_start_idx, chunk.ref_end_idx):
                counts[owners[position]][kind] += 1
    return [
        PartErrors(name, owners.count(index), *counts[index])
        for index, (name, _) in enumerate(parts)
    ]
