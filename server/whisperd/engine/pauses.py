"""Where the speech is, by Silero VAD: the spans that long-audio pieces and a stream's first
window are cut between."""

from __future__ import annotations

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from whisperd.engine.audio import SAMPLE_RATE

# A gap between words this long is a clear pause, a safe place to cut audio.
CLEAR_PAUSE_SECONDS = 0.3

Span = tuple[float, float]  # seconds


def speech_spans(audio: np.ndarray, options: VadOptions) -> list[Span]:
    """The stretches of ``audio`` (16 kHz mono) Silero VAD hears speech in, in seconds."""
    return [
        (chunk["start"] / SAMPLE_RATE, chunk["end"] / SAMPLE_RATE)
        for chunk in get_speech_timestamps(audio, options)
    ]
