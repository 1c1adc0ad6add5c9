"""Hand-made server events of live sessions, both protocols, for the metric and report tests."""

from __future__ import annotations

import typing as t

from bench.live.deepgram_metrics import RESULTS
from bench.live.metrics import COMMITTED, COMPLETED, DELTA, STARTED, STOPPED, Received
from bench.live.pacing import Pacing


def pacing_from(started: float, seconds: float) -> Pacing:
    """Every 100 ms chunk sent exactly on time."""
    chunks = round(seconds / 0.1)
    return Pacing(started, 0.1, [started + (k + 1) * 0.1 for k in range(chunks)])


def turn_events(
    item: str, start_ms: int, end_ms: int, at: dict[str, float], words: list[str]
) -> list[Received]:
    """A Realtime VAD turn's events at the given wall times (deltas at ``delta0``...)."""
    events: list[Received] = [
        (at["started"], {"type": STARTED, "item_id": item, "audio_start_ms": start_ms}),
        (at["stopped"], {"type": STOPPED, "item_id": item, "audio_end_ms": end_ms}),
        (at["stopped"] + 0.001, {"type": COMMITTED, "item_id": item}),
    ]
    for index, word in enumerate(words):
        events.append((at[f"delta{index}"], {"type": DELTA, "item_id": item, "delta": word}))
    transcript = "".join(words)
    events.append((at["completed"], {"type": COMPLETED, "item_id": item, "transcript": transcript}))
    return sorted(events, key=lambda e: e[0])


def dg_results(
    start: float,
    duration: float,
    transcript: str,
    *,
    is_final: bool,
    speech_final: bool = False,
    from_finalize: bool = False,
) -> dict[str, t.Any]:
    """A Deepgram ``Results`` message, with only what the bench reads of it filled in."""
    return {
        "type": RESULTS,
        "start": start,
        "duration": duration,
        "is_final": is_final,
        "speech_final": speech_final,
        "from_finalize": from_finalize,
        "channel": {"alternatives": [{"transcript": transcript, "words": []}]},
    }


def segment_events(
    start: float, end: float, interims: list[tuple[float, str]], final_at: float, text: str
) -> list[Received]:
    """A Deepgram segment: interims ``(wall time, transcript)`` over growing audio, then its
    endpointed final at ``final_at``."""
    events: list[Received] = [
        (at, dg_results(start, 0.5 * (k + 1), words, is_final=False))
        for k, (at, words) in enumerate(interims)
    ]
    final = dg_results(start, end - start, text, is_final=True, speech_final=True)
    return [*events, (final_at, final)]
