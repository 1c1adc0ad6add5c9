"""What a session's events say, as pure functions of what was sent and received.

A turn is everything the server said about one ``item_id``. Its figures:

- **onset → first delta**: from the wall time the audio where the turn's speech starts had
  been sent, to the wall time its first transcription delta arrived. The onset is the
  offline speech segment (Silero, no padding) that starts the turn, else the server's
  ``audio_start_ms + prefix_padding_ms``.
- **stop → completed**: from receiving ``speech_stopped`` to receiving ``completed``.
- **end of speech → completed**: from the wall time the audio where the turn's speech ends
  (the end of its last offline segment, else the server's ``audio_end_ms``) had been sent, to
  ``completed``: what the speaker waits for once they stop, the VAD's silence included.
- **lag**: from the wall time the turn's last audio (``audio_end_ms``) had been sent to
  ``completed``. A session keeps up when its lag does not grow over the stream. Lag also
  grows with a turn's length (its final decode is longer), so the stream speaks the same
  clips twice and each second-pass turn is compared with the same turn of the first pass.
"""

from __future__ import annotations

import math
import typing as t
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.live.pacing import Pacing

Received = tuple[float, dict[str, t.Any]]  # (monotonic seconds, the event)
Segment = tuple[float, float]  # (start, end) seconds into the stream

DELTA = "conversation.item.input_audio_transcription.delta"
COMPLETED = "conversation.item.input_audio_transcription.completed"
FAILED = "conversation.item.input_audio_transcription.failed"
STARTED = "input_audio_buffer.speech_started"
STOPPED = "input_audio_buffer.speech_stopped"
COMMITTED = "input_audio_buffer.committed"
LAG_SLOPE_LIMIT = 0.02  # lag may grow by at most 1.2 s per minute of audio
ONSET_MATCH_SECONDS = 0.5  # an offline segment may start this much before the server's turn
PASS_MATCH_SECONDS = 0.25  # the VAD ends the same speech at the same place in both passes


@dataclass
class TurnEvents:
    """The wall times and payloads of one item's events."""

    item_id: str
    audio_start_ms: int | None = None
    audio_end_ms: int | None = None
    started_at: float | None = None
    stopped_at: float | None = None
    committed_at: float | None = None
    delta_times: list[float] = field(default_factory=list)
    deltas: list[str] = field(default_factory=list)
    completed_at: float | None = None
    transcript: str | None = None
    failed: bool = False


def collect_turns(events: Sequence[Received]) -> list[TurnEvents]:
    """Turns in the order the server first named them."""
    turns: dict[str, TurnEvents] = {}
    for at, event in events:
        item_id = event.get("item_id")
        if not isinstance(item_id, str):
            continue
        turn = turns.setdefault(item_id, TurnEvents(item_id))
        kind = event.get("type")
        if kind == STARTED:
            turn.audio_start_ms, turn.started_at = int(event["audio_start_ms"]), at
        elif kind == STOPPED:
            turn.audio_end_ms, turn.stopped_at = int(event["audio_end_ms"]), at
        elif kind == COMMITTED:
            turn.committed_at = at
        elif kind == DELTA:
            turn.delta_times.append(at)
            turn.deltas.append(str(event["delta"]))
        elif kind == COMPLETED:
            turn.completed_at, turn.transcript = at, str(event["transcript"])
        elif kind == FAILED:
            turn.failed = True
    return list(turns.values())


class Lagged(t.Protocol):
    """What the lag figures need of a turn, whichever protocol timed it."""

    @property
    def audio_end_s(self) -> float: ...
    @property
    def lag(self) -> float | None: ...
    @property
    def failed(self) -> bool: ...


L = t.TypeVar("L", bound=Lagged)


def turn_onset(
    start_s: float, end_s: float, segments: Sequence[Segment], slack: float = ONSET_MATCH_SECONDS
) -> float | None:
    """Start of the first offline speech segment that overlaps the turn ``[start, end]`` and
    starts no earlier than ``slack`` before it (the server's start includes its padding)."""
    for begin, finish in segments:
        if finish > start_s and begin < end_s and begin >= start_s - slack:
            return begin
    return None


def speech_end(onset_s: float, end_s: float, segments: Sequence[Segment]) -> float | None:
    """End of the last offline speech segment that starts inside the turn ``[onset, end]``
    (it may run past the server's end, which is where its VAD heard the speech stop)."""
    ends = [finish for begin, finish in segments if onset_s <= begin < end_s]
    return ends[-1] if ends else None


@dataclass(frozen=True)
class TurnTiming:
    item_id: str
    audio_start_s: float  # the server's speech start, its padding removed
    audio_end_s: float
    onset_s: float
    onset_source: t.Literal["offline", "server"]
    onset_to_first_delta: float | None
    delta_during_speech: bool  # a delta arrived before speech_stopped
    deltas: int
    stop_to_completed: float | None
    speech_end_s: float
    speech_end_source: t.Literal["offline", "server"]
    speech_end_to_completed: float | None
    lag: float | None
    transcript: str | None
    deltas_join_to_transcript: bool
    failed: bool


@dataclass(frozen=True)
class SpeechSpan:
    """Where a turn's speech starts and ends: the offline segments', else the server's."""

    onset: float
    onset_source: t.Literal["offline", "server"]
    end: float
    end_source: t.Literal["offline", "server"]

    @classmethod
    def of(cls, start: float, end: float, segments: Sequence[Segment]) -> SpeechSpan:
        offline = turn_onset(start, end, segments)
        onset = offline if offline is not None else start
        offline_end = speech_end(onset, end, segments)
        return cls(
            onset,
            "offline" if offline is not None else "server",
            offline_end if offline_end is not None else end,
            "offline" if offline_end is not None else "server",
        )


def time_turn(
    turn: TurnEvents, pacing: Pacing, segments: Sequence[Segment], prefix_padding_s: float
) -> TurnTiming | None:
    """The figures of a turn that the VAD started and stopped (None for any other)."""
    if turn.audio_start_ms is None or turn.audio_end_ms is None:
        return None
    start = turn.audio_start_ms / 1000 + prefix_padding_s
    end = turn.audio_end_ms / 1000
    span = SpeechSpan.of(start, end, segments)
    onset, spoken_to = span.onset, span.end
    first = turn.delta_times[0] if turn.delta_times else None
    stopped = turn.stopped_at
    completed = turn.completed_at
    joined = "".join(turn.deltas)
    return TurnTiming(
        item_id=turn.item_id,
        audio_start_s=start,
        audio_end_s=end,
        onset_s=onset,
        onset_source=span.onset_source,
        onset_to_first_delta=None if first is None else first - pacing.sent_by(onset),
        delta_during_speech=first is not None and stopped is not None and first < stopped,
        deltas=len(turn.deltas),
        stop_to_completed=(None if completed is None or stopped is None else completed - stopped),
        speech_end_s=spoken_to,
        speech_end_source=span.end_source,
        speech_end_to_completed=None
        if completed is None
        else completed - pacing.sent_by(spoken_to),
        lag=None if completed is None else completed - pacing.sent_by(end),
        transcript=turn.transcript,
        deltas_join_to_transcript=(
            turn.transcript is not None and joined.strip() == turn.transcript.strip()
        ),
        failed=turn.failed,
    )


def joined_transcript(turns: Sequence[TurnEvents]) -> str:
    """The session's text: every completed transcript, in the order of the turns."""
    return " ".join(
        turn.transcript.strip() for turn in turns if turn.transcript and turn.transcript.strip()
    )


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of ``(x, y)`` points; NaN with fewer than two distinct x."""
    if len(points) < 2:
        return math.nan
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return math.nan
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def lag_trend(timings: Sequence[Lagged]) -> float:
    """Least-squares seconds of lag gained per second of stream (turn lengths confound it)."""
    return slope([(tt.audio_end_s, tt.lag) for tt in timings if tt.lag is not None])


def pass_pairs(
    timings: Sequence[L], pass_seconds: float, tolerance: float = PASS_MATCH_SECONDS
) -> list[tuple[L, L]]:
    """(first pass, next pass) turns of the same speech: ends ``pass_seconds`` apart."""
    pairs = []
    for later in timings:
        for earlier in timings:
            gap = later.audio_end_s - earlier.audio_end_s - pass_seconds
            if abs(gap) <= tolerance and earlier.lag is not None and later.lag is not None:
                pairs.append((earlier, later))
                break
    return pairs


def lag_growth(timings: Sequence[Lagged], pass_seconds: float) -> float:
    """Seconds of lag gained per second of stream: the mean lag difference of the same turns
    one pass apart, over the pass's length (NaN without a repeated turn)."""
    pairs = pass_pairs(timings, pass_seconds)
    if not pairs or pass_seconds <= 0:
        return math.nan
    mean = sum(t.cast(float, b.lag) - t.cast(float, a.lag) for a, b in pairs) / len(pairs)
    return mean / pass_seconds


def keeps_up(
    timings: Sequence[Lagged],
    every_turn_completed: bool,
    pass_seconds: float,
    limit: float = LAG_SLOPE_LIMIT,
) -> bool:
    """Real time: every turn was transcribed and the lag did not grow from pass to pass
    (with a single pass, over the stream)."""
    if not every_turn_completed or any(tt.failed for tt in timings):
        return False
    growth = lag_growth(timings, pass_seconds)
    if math.isnan(growth):
        growth = lag_trend(timings)
    return math.isnan(growth) or growth <= limit
