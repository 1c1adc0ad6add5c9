"""A Whisper transcript with its speakers: the engine's segments (with word timestamps) split
and labelled by the diarizer's turns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from whisperd.diarize.assign import Segment, SpeakerSegment, Word, assign_speakers
from whisperd.diarize.diarizer import Turn
from whisperd.engine import transcribe as engine


@dataclass(frozen=True)
class DiarizedTranscript:
    transcript: engine.Transcript
    segments: list[SpeakerSegment]
    turns: tuple[Turn, ...] = ()  # who spoke when, as the diarizer found it

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments).strip()


def speaker_segments(
    segments: Sequence[engine.Segment], turns: Sequence[Turn]
) -> list[SpeakerSegment]:
    """The transcript's segments, cut where the speaker changes; empty ones dropped."""
    plain = [
        Segment(
            seg.start,
            seg.end,
            seg.text,
            tuple(Word(w.start, w.end, w.text or " " + w.word) for w in seg.words),
        )
        for seg in segments
    ]
    return [seg for seg in assign_speakers(plain, turns) if seg.text.strip()]
