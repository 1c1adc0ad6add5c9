"""Where a stream's short first window ends.

faster-whisper yields a window's segments only once the whole window is decoded, so on long
audio a stream's first words wait for the first 30 seconds. A stream instead decodes its
first few seconds of speech as a window of their own, ending in a pause Silero VAD finds
(so no word is cut), and then goes on window after window from there, conditioned on the
text before it as usual.
"""

from __future__ import annotations

import itertools

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from whisperd.engine.audio import SAMPLE_RATE

# The first window holds at least this much audio after the speech starts.
MIN_SECONDS = 2.0
# The speech and the pause are looked for in the first window's worth of audio.
SEARCH_SECONDS = 30
# Pauses this long between words are where the window may end.
_PAUSES = VadOptions(min_silence_duration_ms=150, speech_pad_ms=0)
# A pause this long is clear enough to end the window in (shorter ones only when no other).
CLEAR_PAUSE_SECONDS = 0.3
# The window ends this far into its pause (at most halfway), past the last word's tail.
_INTO_PAUSE_SECONDS = 0.2


def first_window_end(audio: np.ndarray, max_seconds: float) -> float | None:
    """Seconds into ``audio`` where a first window of at most ``max_seconds`` after the
    speech starts should end: in the first clear pause after :data:`MIN_SECONDS` of it, or
    else the longest one. None without speech or pause."""
    head = audio[: SEARCH_SECONDS * SAMPLE_RATE]
    speech = [
        (chunk["start"] / SAMPLE_RATE, chunk["end"] / SAMPLE_RATE)
        for chunk in get_speech_timestamps(head, _PAUSES)
    ]
    if not speech:
        return None
    onset = speech[0][0]
    pauses = [
        (end, next_start)
        for (_, end), (next_start, _) in itertools.pairwise(speech)
        if onset + MIN_SECONDS <= _cut(end, next_start) <= onset + max_seconds
    ]
    if not pauses:
        return None
    clear = [pause for pause in pauses if pause[1] - pause[0] >= CLEAR_PAUSE_SECONDS]
    end, next_start = clear[0] if clear else max(pauses, key=lambda pause: pause[1] - pause[0])
    return round(_cut(end, next_start), 2)


def _cut(end: float, next_start: float) -> float:
    return end + min(_INTO_PAUSE_SECONDS, (next_start - end) / 2)
