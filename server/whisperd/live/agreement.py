"""LocalAgreement-n: confirm the part of a growing turn's transcript that stops changing.

The caller re-decodes the turn's audio so far (always from the turn's start, so word times
of successive hypotheses share one origin) and passes each hypothesis's timed words. A word
is confirmed once the last ``n`` hypotheses agree on it and on everything before it, after
the words already confirmed; confirmed words are never withdrawn. Words compare
case- and punctuation-insensitively, but the text handed out is the newest hypothesis's.

Each hypothesis is first aligned to the confirmed words, so the agreement is only about
what follows them: normally its first words simply match the confirmed ones; if a
re-decode changed or dropped a confirmed word, the confirmed words near it in time are
matched against it by sequence alignment, and where that cannot tell, by word times. At
the end of the turn, :meth:`LocalAgreement.finish` aligns the final transcript the same
way and returns the words after the confirmed ones, so ``confirmed_text + rest`` is the
turn's text.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Protocol

# A hypothesis word this far past the end of the confirmed words cannot be one of them.
_ALIGN_SLACK_SECONDS = 0.5


class WordLike(Protocol):
    @property
    def word(self) -> str: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...


@dataclass(frozen=True)
class TimedWord:
    word: str  # as Whisper writes it, with its leading space
    start: float  # seconds from the turn's start
    end: float
    probability: float = 1.0  # the decoder's, for protocols that report word confidence


def normalise(word: str) -> str:
    """The form words are compared in: case-folded, without punctuation or spaces."""
    folded = unicodedata.normalize("NFKC", word).casefold()
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith(("P", "Z")))


def join_words(words: Sequence[WordLike], *, first: bool) -> str:
    """The text of ``words``; ``first``: they start the turn, so no leading space."""
    text = "".join(word.word for word in words)
    return text.lstrip() if first else text


class LocalAgreement:
    """Confirmed prefix of one turn's successive hypotheses; one instance per turn."""

    def __init__(self, n: int = 2, hold_back: int = 0) -> None:
        """``hold_back``: the newest hypothesis's last words never confirmed; a word at the
        very end of the audio so far often has the wrong case or sentence punctuation."""
        if n < 1 or hold_back < 0:
            raise ValueError("n must be at least 1 and hold_back not negative")
        self.n = n
        self.hold_back = hold_back
        self._history: deque[list[TimedWord]] = deque(maxlen=n)
        self._confirmed: list[TimedWord] = []
        self._text = ""
        self._finished = False

    @property
    def confirmed(self) -> list[TimedWord]:
        return list(self._confirmed)

    @property
    def confirmed_text(self) -> str:
        """Every delta so far, joined."""
        return self._text

    @property
    def finished(self) -> bool:
        return self._finished

    def update(self, words: Sequence[WordLike]) -> str:
        """Take the newest hypothesis; returns the newly confirmed text ('' if none)."""
        if self._finished:
            raise RuntimeError("the turn is finished")
        self._history.append([_timed(w) for w in words])
        if len(self._history) < self.n:
            return ""
        tails = [self._after_confirmed(hypothesis) for hypothesis in self._history]
        newest = tails[-1][: max(len(tails[-1]) - self.hold_back, 0)]
        agreed = 0
        while agreed < min(len(tail) for tail in [*tails, newest]) and all(
            normalise(tail[agreed].word) == normalise(newest[agreed].word) for tail in tails
        ):
            agreed += 1
        return self._confirm(newest[:agreed])

    def unconfirmed(self) -> list[TimedWord]:
        """The newest hypothesis's words after the confirmed ones (still open to change)."""
        return self._after_confirmed(self._history[-1]) if self._history else []

    def finish(self, final_words: Sequence[WordLike]) -> str:
        """End the turn with its final transcript; returns the text after the confirmed text.

        The turn's text is ``confirmed_text + finish(...)``: the confirmed words stay as they
        were, followed by the final transcript's words that come after them.
        """
        if self._finished:
            raise RuntimeError("the turn is finished")
        final = [_timed(w) for w in final_words]
        rest = self._confirm(self._after_confirmed(final))
        self._finished = True
        return rest

    def _confirm(self, words: list[TimedWord]) -> str:
        if not words:
            return ""
        delta = join_words(words, first=not self._confirmed)
        self._confirmed.extend(words)
        self._text += delta
        return delta

    def _after_confirmed(self, hypothesis: list[TimedWord]) -> list[TimedWord]:
        count = len(self._confirmed)
        if count == 0:
            return hypothesis
        confirmed = [normalise(w.word) for w in self._confirmed]
        words = [normalise(w.word) for w in hypothesis]
        if words[:count] == confirmed:
            return hypothesis[count:]
        confirmed_end = self._confirmed[-1].end
        # Only words that may overlap the confirmed ones can be matched to them, and only
        # the confirmed words that may overlap the hypothesis: one of the turn's end alone
        # (a trimmed decode) must not match a phrase said earlier in the turn.
        reach = 0
        while (
            reach < len(hypothesis)
            and hypothesis[reach].start < confirmed_end + _ALIGN_SLACK_SECONDS
        ):
            reach += 1
        first = hypothesis[0].start - _ALIGN_SLACK_SECONDS if hypothesis else 0.0
        low = 0
        while low < count - 1 and self._confirmed[low].end < first:
            low += 1
        matcher = SequenceMatcher(None, confirmed[low:], words[:reach], autojunk=False)
        last_confirmed, last_hypothesis = -1, -1
        for a, b, size in matcher.get_matching_blocks():
            if size:
                last_confirmed, last_hypothesis = low + a + size - 1, b + size - 1
        start = last_hypothesis + 1
        if last_confirmed != count - 1:
            # The last confirmed words were not found: skip what lies within their time.
            while (
                start < len(hypothesis)
                and (hypothesis[start].start + hypothesis[start].end) / 2 < confirmed_end
            ):
                start += 1
        return hypothesis[start:]


def _timed(word: WordLike) -> TimedWord:
    probability = float(getattr(word, "probability", 1.0))
    return TimedWord(word.word, float(word.start), float(word.end), probability)
