"""An invented ending cut off a live decode.

A turn's final decode starts shortly before its unconfirmed words and ends half a second
into silence, without temperature fallback; on such a short window tiny.en often carries on
past the speech ("...wait no longer. Thank you very much for watching, thank you..."). The
word aligner has no audio left for those words, so it piles them at one instant: a run of
zero-length words. Real speech, with the silence the turn detector waits for after it,
leaves every word some audio. So a decode is cut at the first zero-length word (under
:data:`INSTANT_SECONDS`) from which at least :data:`RUN` words follow, most of them zero-length
too; a word stretched over the silence just before it (longer than
:data:`STRETCHED_SECONDS`) goes with them.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from whisperd.engine.transcribe import Word

RUN = 3  # words, at least, in an invented ending
INSTANT_SECONDS = 0.03
STRETCHED_SECONDS = 0.8


def _instant(word: Word) -> bool:
    return word.end - word.start < INSTANT_SECONDS


def without_invented_ending(words: Sequence[Word]) -> list[Word]:
    """``words`` up to where an invented ending begins (all of them when none does)."""
    for index in range(len(words) - RUN + 1):
        if not _instant(words[index]):
            continue
        rest = [word.end - word.start for word in words[index:]]
        if statistics.median(rest) >= INSTANT_SECONDS:
            continue
        if index and words[index - 1].end - words[index - 1].start > STRETCHED_SECONDS:
            index -= 1
        return list(words[:index])
    return list(words)
