"""Offline speaker diarization: who spoke when, and which transcript words each speaker said."""

from whisperd.diarize.assign import Segment, SpeakerSegment, Word, assign_speakers
from whisperd.diarize.cancel import DiarizationCancelled
from whisperd.diarize.diarizer import DiarizeOptions, Diarizer, SessionSpeakers, Turn, diarize
from whisperd.diarize.embedding import SpeakerEncoder, WeightsNotFoundError

__all__ = [
    "DiarizationCancelled",
    "DiarizeOptions",
    "Diarizer",
    "Segment",
    "SessionSpeakers",
    "SpeakerEncoder",
    "SpeakerSegment",
    "Turn",
    "WeightsNotFoundError",
    "Word",
    "assign_speakers",
    "diarize",
]
