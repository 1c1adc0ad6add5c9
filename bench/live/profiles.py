"""How much the live benchmark measures: ``full`` (the published figures, about 10 min for
tiny.en and base), ``quick`` (two clips, one and two sessions) and ``smoke`` (one short
clip, one session: the harness end to end, for its test). Every level runs once per protocol
(OpenAI Realtime, then Deepgram's live ``/v1/listen``) on the same streams."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

DEFAULT_LEVELS = (1, 2, 4)
LiveProtocol = t.Literal["realtime", "deepgram"]
PROTOCOLS: tuple[LiveProtocol, ...] = ("realtime", "deepgram")


@dataclass(frozen=True)
class LiveProfile:
    name: str
    clips: tuple[str, ...] | None  # en_read stems in stream order; None: every 5-30 s one
    per_session: int  # clips one session speaks (session N starts at clip N)
    passes: int = 2  # the session speaks its clips this many times over
    levels: dict[str, tuple[int, ...]] = field(default_factory=dict)  # sessions, by model
    default_levels: tuple[int, ...] = DEFAULT_LEVELS
    protocols: tuple[LiveProtocol, ...] = PROTOCOLS

    def levels_for(self, model: str) -> tuple[int, ...]:
        return self.levels.get(model, self.default_levels)


FULL = LiveProfile(
    name="full", clips=None, per_session=4, levels={"tiny.en": (1, 2, 4, 6), "base": (1, 2, 4)}
)
QUICK = LiveProfile(
    name="quick",
    clips=("Speech2Text__1089-134686-0000", "whisper.cpp__jfk"),
    per_session=1,
    default_levels=(1, 2),
)
SMOKE = LiveProfile(
    name="smoke",
    clips=("Speech2Text__1089-134691-0001",),
    per_session=1,
    passes=1,
    default_levels=(1,),
)

PROFILES = {profile.name: profile for profile in (FULL, QUICK, SMOKE)}
