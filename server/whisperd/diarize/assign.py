"""Give transcript segments their speakers: each word goes to the turn it overlaps most, and a
segment is split where its words change speaker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from whisperd.diarize.diarizer import Turn


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class SpeakerSegment:
    start: float
    end: float
    text: str
    speaker: str


def speaker_of(turns: Sequence[Turn], start: float, end: float) -> str | None:
    """The speaker whose turns overlap ``[start, end]`` most; with no overlap, the speaker of
    the nearest turn; ``None`` when there are no turns."""
    if not turns:
        return None
    overlap: dict[str, float] = {}
    for turn in turns:
        o = min(end, turn.end) - max(start, turn.start)
        if o > 0:
            overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + o
    if overlap:
        return max(overlap, key=lambda s: overlap[s])
    middle = (start + end) / 2
    nearest = min(turns, key=lambda t: max(t.start - middle, middle - t.end, 0.0))
    return nearest.speaker


def assign_speakers(
    segments: Sequence[Segment], turns: Sequence[Turn], *, unknown: str = "A"
) -> list[SpeakerSegment]:
    """Speaker-labelled segments; a segment with word timestamps is split at speaker changes,
    one without keeps its bounds and takes the speaker it overlaps most. ``unknown`` labels
    everything when there are no turns."""
    out: list[SpeakerSegment] = []
    for seg in segments:
        if not seg.words:
            speaker = speaker_of(turns, seg.start, seg.end) or unknown
            out.append(SpeakerSegment(seg.start, seg.end, seg.text, speaker))
            continue
        run: list[Word] = []
        run_speaker = ""
        for word in seg.words:
            speaker = speaker_of(turns, word.start, word.end) or unknown
            if run and speaker != run_speaker:
                out.append(_join(run, run_speaker))
                run = []
            run.append(word)
            run_speaker = speaker
        out.append(_join(run, run_speaker))
    return out


def _join(words: Sequence[Word], speaker: str) -> SpeakerSegment:
    return SpeakerSegment(words[0].start, words[-1].end, "".join(w.text for w in words), speaker)
