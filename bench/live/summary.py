"""A session's and a concurrency level's figures, from the records of their sessions, for
either protocol (a level's ``protocol`` says which; results from before Deepgram had none)."""

from __future__ import annotations

import math
import typing as t
from collections.abc import Sequence
from dataclasses import asdict

from bench.live.deepgram_metrics import (
    SegmentTiming,
    collect_segments,
    final_transcript,
    time_segment,
    transcript_of,
)
from bench.live.metrics import (
    LAG_SLOPE_LIMIT,
    TurnTiming,
    collect_turns,
    joined_transcript,
    keeps_up,
    lag_growth,
    lag_trend,
    pass_pairs,
    time_turn,
)
from bench.live.session import SessionRecord
from bench.live.streams import LiveStream
from bench.stats import summary
from bench.textmetrics import corpus_wer


def session_summary(
    record: SessionRecord, stream: LiveStream, prefix_padding_s: float
) -> dict[str, t.Any]:
    turns = collect_turns(record.events)
    timings = [
        timing
        for turn in turns
        if (timing := time_turn(turn, record.pacing, stream.speech, prefix_padding_s)) is not None
    ]
    return {
        **_figures(record, stream, timings, joined_transcript(turns), record.drained),
        "other_items": len(turns) - len(timings),  # committed without the VAD's events
        "timeline": timeline(record),
    }


def _figures(
    record: SessionRecord,
    stream: LiveStream,
    timings: Sequence[TurnTiming] | Sequence[SegmentTiming],
    text: str,
    every_turn_completed: bool,
) -> dict[str, t.Any]:
    """The figures both protocols' sessions report alike."""
    drift = record.pacing.drift()
    lags = [tt.lag for tt in timings if tt.lag is not None]
    return {
        "stream": stream.name,
        "duration_s": stream.duration_s,
        "turns": len(timings),
        "drained": record.drained,
        "errors": record.errors,
        "keeps_up": keeps_up(timings, every_turn_completed, stream.pass_seconds),
        "lag_growth": lag_growth(timings, stream.pass_seconds),  # s of lag per s of stream
        "repeated_turns": len(pass_pairs(timings, stream.pass_seconds)),
        "lag_slope": lag_trend(timings),
        "lag_first_s": lags[0] if lags else math.nan,
        "lag_last_s": lags[-1] if lags else math.nan,
        "pacing_late_max_s": max(drift) if drift else math.nan,
        "text": text,
        "reference": stream.reference,
        "wer": corpus_wer([(stream.reference, text)]),
        "timings": [asdict(tt) for tt in timings],
    }


def deepgram_session_summary(
    record: SessionRecord, stream: LiveStream, prefix_padding_s: float
) -> dict[str, t.Any]:
    segments = collect_segments(record.events)
    timings = [
        timing
        for segment in segments
        if (timing := time_segment(segment, record.pacing, stream.speech, prefix_padding_s))
        is not None
    ]
    # Metadata came after CloseStream; a failed decode is an Error message, not a result
    drained = record.drained and not record.errors
    return {
        **_figures(record, stream, timings, final_transcript(segments), drained),
        "timeline": deepgram_timeline(record),
    }


def deepgram_timeline(record: SessionRecord) -> list[list[t.Any]]:
    """Every message: stream seconds, kind (``interim``, ``final``, ``speech_final`` for
    results), the audio time it names, and its text."""
    rows: list[list[t.Any]] = []
    for at, message in record.events:
        kind = str(message.get("type", ""))
        when: t.Any = message.get("timestamp", message.get("last_word_end"))
        detail: t.Any = message.get("description")
        if kind == "Results":
            kind = "interim" if not message.get("is_final") else (
                "speech_final" if message.get("speech_final") else "final"
            )  # fmt: skip
            when, detail = message.get("start"), transcript_of(message)
        elif kind == "Metadata":
            when = message.get("duration")
        rows.append([round(at - record.pacing.started, 3), kind, when, detail])
    return rows


def timeline(record: SessionRecord) -> list[list[t.Any]]:
    """Every event but the session's own: seconds since streaming began (stream time, as
    the pacing sends it), type, item id, and its figure or text."""
    rows: list[list[t.Any]] = []
    for at, event in record.events:
        kind = str(event.get("type", ""))
        if kind.startswith(("session.", "conversation.item.added", "conversation.item.done")):
            continue
        detail = next(
            (event[key] for key in ("audio_start_ms", "audio_end_ms", "delta", "transcript")
             if key in event),
            event.get("error"),
        )  # fmt: skip
        rows.append([round(at - record.pacing.started, 3), kind.rsplit(".", 1)[-1],
                     event.get("item_id"), detail])  # fmt: skip
    return rows


def _values(timings: Sequence[dict[str, t.Any]], key: str) -> list[float]:
    return [float(tt[key]) for tt in timings if tt[key] is not None]


def _common(clients: int, sessions: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    """What both protocols' levels report alike."""
    timings = [tt for s in sessions for tt in s["timings"]]
    growths = [s["lag_growth"] for s in sessions if not math.isnan(s["lag_growth"])]
    return {
        "clients": clients,
        "turns": len(timings),
        "lag": summary(_values(timings, "lag")),
        "lag_growth_max": max(growths) if growths else math.nan,
        "lag_slope_limit": LAG_SLOPE_LIMIT,
        "sessions_keeping_up": sum(1 for s in sessions if s["keeps_up"]),
        "all_keep_up": all(s["keeps_up"] for s in sessions),
        "wer": corpus_wer([(s["reference"], s["text"]) for s in sessions]),
        "pacing_late_max_s": max(s["pacing_late_max_s"] for s in sessions),
    }


def level_summary(clients: int, sessions: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    timings = [tt for s in sessions for tt in s["timings"]]
    return {
        "protocol": "realtime",
        **_common(clients, sessions),
        "onset_to_first_delta": summary(_values(timings, "onset_to_first_delta")),
        "stop_to_completed": summary(_values(timings, "stop_to_completed")),
        "speech_end_to_completed": summary(_values(timings, "speech_end_to_completed")),
        "turns_with_delta_during_speech": sum(1 for tt in timings if tt["delta_during_speech"]),
        "turns_without_delta": sum(1 for tt in timings if tt["deltas"] == 0),
        "deltas_join_to_transcripts": all(
            tt["deltas_join_to_transcript"] for tt in timings if tt["transcript"]
        ),
        "failed_turns": sum(1 for tt in timings if tt["failed"]),
        "sessions": sessions,
    }


def deepgram_level_summary(clients: int, sessions: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    timings = [tt for s in sessions for tt in s["timings"]]
    return {
        "protocol": "deepgram",
        **_common(clients, sessions),
        "onset_to_first_interim": summary(_values(timings, "onset_to_first_interim")),
        "speech_end_to_speech_final": summary(_values(timings, "speech_end_to_speech_final")),
        "turns_with_interim_during_speech": sum(1 for tt in timings if tt["interim_during_speech"]),
        "turns_without_interim": sum(1 for tt in timings if tt["interims"] == 0),
        "empty_interims": sum(tt["empty_interims"] for tt in timings),
        "finals_without_speech_final": sum(
            1 for tt in timings if not tt["failed"] and not tt["speech_final"]
        ),
        "failed_turns": sum(1 for tt in timings if tt["failed"]),
        "sessions_drained": sum(1 for s in sessions if s["drained"]),
        "sessions": sessions,
    }
