"""A session's and a concurrency level's figures, from the records of their sessions."""

from __future__ import annotations

import math
import typing as t
from collections.abc import Sequence
from dataclasses import asdict

from bench.live.metrics import (
    LAG_SLOPE_LIMIT,
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
    text = joined_transcript(turns)
    drift = record.pacing.drift()
    lags = [tt.lag for tt in timings if tt.lag is not None]
    return {
        "stream": stream.name,
        "duration_s": stream.duration_s,
        "turns": len(timings),
        "other_items": len(turns) - len(timings),  # committed without the VAD's events
        "drained": record.drained,
        "errors": record.errors,
        "keeps_up": keeps_up(timings, record.drained, stream.pass_seconds),
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
        "timeline": timeline(record),
    }


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


def level_summary(clients: int, sessions: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    timings = [tt for s in sessions for tt in s["timings"]]
    growths = [s["lag_growth"] for s in sessions if not math.isnan(s["lag_growth"])]
    return {
        "clients": clients,
        "turns": len(timings),
        "onset_to_first_delta": summary(_values(timings, "onset_to_first_delta")),
        "stop_to_completed": summary(_values(timings, "stop_to_completed")),
        "lag": summary(_values(timings, "lag")),
        "lag_growth_max": max(growths) if growths else math.nan,
        "lag_slope_limit": LAG_SLOPE_LIMIT,
        "sessions_keeping_up": sum(1 for s in sessions if s["keeps_up"]),
        "all_keep_up": all(s["keeps_up"] for s in sessions),
        "turns_with_delta_during_speech": sum(1 for tt in timings if tt["delta_during_speech"]),
        "turns_without_delta": sum(1 for tt in timings if tt["deltas"] == 0),
        "deltas_join_to_transcripts": all(
            tt["deltas_join_to_transcript"] for tt in timings if tt["transcript"]
        ),
        "failed_turns": sum(1 for tt in timings if tt["failed"]),
        "wer": corpus_wer([(s["reference"], s["text"]) for s in sessions]),
        "pacing_late_max_s": max(s["pacing_late_max_s"] for s in sessions),
        "sessions": sessions,
    }
