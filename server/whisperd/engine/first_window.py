"""A stream's short first window: where it ends, and what of the whole-window decoding follows it.

faster-whisper yields a window's segments only once the whole window is decoded, so on long
audio a stream's first words would wait for the first 30 seconds. A stream first decodes its
first seconds of speech as audio of their own, ending in a pause Silero VAD finds (so no word
is cut), and sends their segments. Then it decodes the whole audio window after window as a
plain request does, and sends what that says after the short window's end: the text stays
the plain request's but for the words around that point. (Continuing from the cut instead,
conditioned on the short window's text, shifts every window after it; with tiny.en that lost
whole sentences: see bench/README.md, "First streamed words".)
"""

from __future__ import annotations

import itertools
import typing as t
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.vad import VadOptions

from whisperd.engine.audio import SAMPLE_RATE
from whisperd.engine.pauses import CLEAR_PAUSE_SECONDS, speech_spans
from whisperd.engine.whisper import Whisper

WINDOW_FRAMES = 3000

# The first window holds at least this much audio after the speech starts.
MIN_SECONDS = 1.5
# The speech and the pause are looked for in the first window's worth of audio, first
# in the window's longest reach and this much more (for speech that starts late).
SEARCH_SECONDS = 30
_QUICK_MARGIN_SECONDS = 2.0
# Pauses this long between words are where the window may end.
_PAUSES = VadOptions(min_silence_duration_ms=150, speech_pad_ms=0)
# The window ends this far into its pause (at most halfway), past the last word's tail.
_INTO_PAUSE_SECONDS = 0.2


def first_window_end(audio: np.ndarray, max_seconds: float) -> float | None:
    """Seconds into ``audio`` where a first window of at most ``max_seconds`` after the
    speech starts should end: in the first clear pause after :data:`MIN_SECONDS` of it, or
    else the longest one. None without speech or pause."""
    # Silero reads audio front to back, so the pauses it finds in a head are those it finds
    # there in all the audio; the first clear one found in a short head is the answer. Only
    # without one does the search read its whole :data:`SEARCH_SECONDS`.
    quick = round((max_seconds + _QUICK_MARGIN_SECONDS) * SAMPLE_RATE)
    if quick < SEARCH_SECONDS * SAMPLE_RATE:
        found = _search(audio[:quick], max_seconds)
        if found is not None and found[1]:
            return found[0]
    found = _search(audio[: SEARCH_SECONDS * SAMPLE_RATE], max_seconds)
    return None if found is None else found[0]


def _search(head: np.ndarray, max_seconds: float) -> tuple[float, bool] | None:
    """The window's end in ``head``, and whether it is a clear pause."""
    speech = speech_spans(head, _PAUSES)
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
    return round(_cut(end, next_start), 2), bool(clear)


def _cut(end: float, next_start: float) -> float:
    return end + min(_INTO_PAUSE_SECONDS, (next_start - end) / 2)


def after_first_window(
    whisper: Whisper,
    tokenizer: Tokenizer,
    whole: Iterator[t.Any],
    first_text: str,
    end: float,
    content_frames: int,
) -> Iterator[t.Any]:
    """The segments of the whole-window decoding that say what follows ``end``, where the
    short first window, which said ``first_text``, ended: those before it left out, one
    across it cut after the word the short window ended with, or else where it ended."""
    last_word = _normalised(first_text.split()[-1]) if first_text.split() else ""
    seek, window_tokens = -1, list[int]()
    for raw in whole:
        if raw.seek != seek:
            seek, window_tokens = raw.seek, []
        text = [int(token) for token in raw.tokens if token < tokenizer.eot]
        before = window_tokens
        window_tokens = before + text
        if raw.start >= end:
            yield raw
        elif raw.end > end:
            # The window's text so far, aligned to its audio up to this segment's end.
            frames = min(WINDOW_FRAMES, content_frames - seek, round(raw.end * 100) - seek)
            [words] = whisper.find_alignment(
                tokenizer, [before + text], whisper.encoder_output, frames
            )
            rest = _words_after(words, len(before), last_word, end - seek / 100)
            tokens = [int(token) for word in rest for token in word["tokens"]]
            tokens = [token for token in tokens if token < tokenizer.eot]
            if tokens:
                kept = [word for word in raw.words or () if word.start >= end]
                yield replace(
                    raw,
                    start=end,
                    text=tokenizer.decode(tokens),
                    tokens=tokens,
                    words=kept if raw.words is not None else None,
                )


# How far (s) from the cut the word the short window ended with is looked for.
_JOIN_SECONDS = 1.5


def _words_after(
    words: list[dict[str, t.Any]], skip_tokens: int, last_word: str, offset: float
) -> list[dict[str, t.Any]]:
    """The aligned words past the first ``skip_tokens`` tokens (earlier segments) that follow
    the short window's text: after a word equal to its last near ``offset`` seconds, or else
    those mostly past ``offset``."""
    first, seen = len(words), 0
    for index, word in enumerate(words):
        if seen >= skip_tokens:
            first = index
            break
        seen += len(word["tokens"])

    def middle(word: dict[str, t.Any]) -> float:
        return float(word["start"] + word["end"]) / 2

    by_time = next((i for i in range(first, len(words)) if middle(words[i]) >= offset), len(words))
    joins = [
        i
        for i in range(max(first, 1), len(words) + 1)
        if _normalised(words[i - 1]["word"]) == last_word
        and abs(middle(words[i - 1]) - offset) <= _JOIN_SECONDS
    ]
    split = min(joins, key=lambda i: abs(i - by_time)) if last_word and joins else by_time
    return words[split:]


def _normalised(word: str) -> str:
    return "".join(char for char in word.lower() if char.isalnum())
