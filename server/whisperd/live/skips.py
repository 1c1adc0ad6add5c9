"""Speech a turn's final decode passed over.

Now and then Whisper jumps ahead inside its window: the words of a stretch of speech never
come out, and the word aligner stretches the word before the jump over the speech it skipped
(tiny.en on a LibriSpeech sentence received as 24 kHz PCM: "and" from 4.96 to 7.58 s, "fat
mutton pieces to be ladled out in" lost). No word lasts that long over continuous speech, so
such a word marks where to decode again, after the text before it: the remedy the long-audio
pieces use when a batch stops early (:mod:`whisperd.engine.pieces`). A word stretched over a
pause is no sign of it, so the voice activity inside the word decides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from faster_whisper.vad import VadOptions

from whisperd.engine.pauses import speech_spans
from whisperd.live.agreement import TimedWord

STRETCHED_SECONDS = 1.5  # a word at least this long may hide skipped speech
SPEECH_SECONDS = 1.0  # ... and does when the VAD hears this much speech inside it
_VAD = VadOptions(threshold=0.5, min_speech_duration_ms=200, min_silence_duration_ms=300,
                  speech_pad_ms=100)  # fmt: skip


def skipped_speech(words: Sequence[TimedWord], samples: np.ndarray) -> int | None:
    """The index of the first word of ``words`` (seconds into ``samples``, 16 kHz) stretched
    over speech the decode did not write out, or None."""
    stretched = [i for i, word in enumerate(words) if word.end - word.start >= STRETCHED_SECONDS]
    if not stretched:
        return None
    spans = speech_spans(np.asarray(samples, dtype=np.float32), _VAD)
    for index in stretched:
        word = words[index]
        heard = sum(max(0.0, min(end, word.end) - max(start, word.start)) for start, end in spans)
        if heard >= SPEECH_SECONDS:
            return index
    return None
