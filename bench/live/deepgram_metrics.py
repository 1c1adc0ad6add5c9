"""What a Deepgram live session's messages say, as pure functions of what was sent and received.

A segment is every ``Results`` message with the same ``start`` (seconds of audio): its
interims (``is_final: false``), then its final. Its figures, beside the Realtime turn's:

- **onset → first interim**: from the wall time the audio where the segment's speech starts
  had been sent, to the arrival of its first interim with a non-empty transcript. The onset
  is found as the Realtime one is: the offline speech segment (Silero, no padding) that
  starts the segment, else ``start`` + the server's 300 ms pre-roll.
- **end of speech → speech_final**: from the wall time the audio where the speech ends had
  been sent (the end of the segment's last offline speech segment, else ``start +
  duration``), to the arrival of the final with ``speech_final: true``. Deepgram sends no
  ``speech_stopped``: this is what the speaker waits for, the endpointing silence included.
- **lag**: from the wall time the segment's last audio (``start + duration`` of its final)
  had been sent, to the final's arrival; its growth from pass to pass is the Realtime one's.
"""

from __future__ import annotations

import typing as t
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.live.metrics import Received, Segment, SpeechSpan
from bench.live.pacing import Pacing

RESULTS = "Results"
METADATA = "Metadata"
SPEECH_STARTED = "SpeechStarted"
UTTERANCE_END = "UtteranceEnd"
ERROR = "Error"


def transcript_of(message: dict[str, t.Any]) -> str:
    """The first alternative's transcript of a ``Results`` message."""
    alternatives = message.get("channel", {}).get("alternatives") or [{}]
    return str(alternatives[0].get("transcript", ""))


@dataclass
class SegmentEvents:
    """The wall times and payloads of one segment's results."""

    start: float  # seconds of audio, as the server said it
    interim_times: list[float] = field(default_factory=list)  # non-empty interims only
    interims: list[str] = field(default_factory=list)
    empty_interims: int = 0
    interim_end: float | None = None  # start + duration of the latest interim
    final_at: float | None = None
    duration: float | None = None
    transcript: str | None = None
    speech_final: bool = False
    from_finalize: bool = False


def collect_segments(events: Sequence[Received]) -> list[SegmentEvents]:
    """Segments in audio order (an interim of a later one may come before an earlier one's
    final); a final closes its segment (a later result with the same start opens another)."""
    segments: list[SegmentEvents] = []
    open_by_start: dict[float, SegmentEvents] = {}
    for at, message in events:
        if message.get("type") != RESULTS:
            continue
        start = round(float(message["start"]), 3)
        segment = open_by_start.get(start)
        if segment is None:
            segment = open_by_start[start] = SegmentEvents(start)
            segments.append(segment)
        text = transcript_of(message)
        if message.get("is_final"):
            segment.final_at, segment.transcript = at, text
            segment.duration = float(message["duration"])
            segment.speech_final = bool(message.get("speech_final"))
            segment.from_finalize = bool(message.get("from_finalize"))
            del open_by_start[start]
            continue
        segment.interim_end = start + float(message["duration"])
        if text.strip():
            segment.interim_times.append(at)
            segment.interims.append(text)
        else:
            segment.empty_interims += 1
    return sorted(segments, key=lambda s: s.start)


@dataclass(frozen=True)
class SegmentTiming:
    start_s: float  # the server's start
    audio_start_s: float  # its start with the pre-roll removed
    audio_end_s: float
    onset_s: float
    onset_source: t.Literal["offline", "server"]
    speech_end_s: float
    speech_end_source: t.Literal["offline", "server"]
    onset_to_first_interim: float | None
    interim_during_speech: bool  # an interim arrived before the speech's end had been sent
    interims: int
    empty_interims: int
    speech_final: bool
    from_finalize: bool
    speech_end_to_speech_final: float | None
    lag: float | None
    transcript: str | None
    failed: bool  # interims but no final


def time_segment(
    segment: SegmentEvents, pacing: Pacing, segments: Sequence[Segment], prefix_padding_s: float
) -> SegmentTiming | None:
    """The figures of a segment that holds audio (None for an empty flush)."""
    length = segment.duration
    if length is None and segment.interim_end is not None:
        length = segment.interim_end - segment.start
    if not length or length <= 0:
        return None
    end = segment.start + length
    start = min(segment.start + prefix_padding_s, end)
    span = SpeechSpan.of(start, end, segments)
    onset, spoken_to = span.onset, span.end
    first = segment.interim_times[0] if segment.interim_times else None
    final = segment.final_at
    return SegmentTiming(
        start_s=segment.start,
        audio_start_s=start,
        audio_end_s=end,
        onset_s=onset,
        onset_source=span.onset_source,
        speech_end_s=spoken_to,
        speech_end_source=span.end_source,
        onset_to_first_interim=None if first is None else first - pacing.sent_by(onset),
        interim_during_speech=first is not None and first < pacing.sent_by(spoken_to),
        interims=len(segment.interims),
        empty_interims=segment.empty_interims,
        speech_final=segment.speech_final,
        from_finalize=segment.from_finalize,
        speech_end_to_speech_final=(
            final - pacing.sent_by(spoken_to)
            if final is not None and segment.speech_final
            else None
        ),
        lag=None if final is None else final - pacing.sent_by(end),
        transcript=segment.transcript,
        failed=final is None,
    )


def final_transcript(segments: Sequence[SegmentEvents]) -> str:
    """The session's text: every final transcript, in the order of the segments."""
    return " ".join(s.transcript.strip() for s in segments if s.transcript and s.transcript.strip())


def metadata_received(events: Sequence[Received]) -> bool:
    return any(message.get("type") == METADATA for _, message in events)
