"""The live report of a run with both protocols, from hand-made sessions through the same
summaries a run uses: the protocols side by side, and older runs (Realtime only) still read."""

from __future__ import annotations

import typing as t

import numpy as np
import pytest

from bench.live.metrics import Received
from bench.live.pacing import LIVE_RATE
from bench.live.report import evaluate, render, summary_table
from bench.live.session import SessionRecord
from bench.live.streams import LiveStream, Utterance
from bench.live.summary import (
    deepgram_level_summary,
    deepgram_session_summary,
    level_summary,
    session_summary,
)
from bench.report import fmt
from bench.tests.live_events import pacing_from, segment_events, turn_events

PREFIX = 0.3
STARTED = 100.0


def stream() -> LiveStream:
    return LiveStream(
        name="live_0",
        samples=np.zeros(5 * LIVE_RATE, dtype=np.float32),
        utterances=(Utterance("audio/a.flac", "HELLO THERE", 1.0, 1.5),),
        speech=((1.05, 2.5),),
    )


def realtime_level() -> dict[str, t.Any]:
    at = {"started": STARTED + 1.3, "delta0": STARTED + 2.0, "stopped": STARTED + 3.1,
          "completed": STARTED + 3.5}  # fmt: skip
    record = SessionRecord("live_0", pacing_from(STARTED, 5.0), drained=True)
    record.events = turn_events("a", 750, 2500, at, [" Hello there."])
    return level_summary(1, [session_summary(record, stream(), PREFIX)])


def deepgram_level() -> dict[str, t.Any]:
    events: list[Received] = [
        *segment_events(0.75, 2.5, [(STARTED + 1.8, "Hello")], STARTED + 3.4, "Hello there."),
        (STARTED + 3.6, {"type": "Metadata", "duration": 5.0}),
    ]
    record = SessionRecord("live_0", pacing_from(STARTED, 5.0), events=events, drained=True)
    return deepgram_level_summary(1, [deepgram_session_summary(record, stream(), PREFIX)])


def live_results(levels: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    return {
        "mode": "quick",
        "started_at": "2026-01-02T03:04:05+00:00",
        "machine": {"host": "example", "cpu_model": "Example CPU", "logical_cores": 2,
                    "os": "Linux"},
        "versions": {"faster-whisper": "1.2.1", "ctranslate2": "4.8.5"},
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "served_code": "/repo/server/whisperd/__init__.py",
        "protocols": sorted({lv.get("protocol", "realtime") for lv in levels}, reverse=True),
        "turn_detection": {"threshold": 0.5, "prefix_padding_ms": 300,
                           "silence_duration_ms": 500},
        "deepgram_path": "/v1/listen",
        "deepgram_query": {"model": "<model>", "endpointing": "500"},
        "chunk_seconds": 0.1,
        "stream": stream().describe(),
        "clips": ["audio/a.flac"],
        "models": {"tiny.en": {"status": "measured", "file": {"wer": 0.0}, "levels": levels}},
        "load": {"foreign_cores": 1.5, "contaminated": True, "threshold_cores": 0.2,
                 "loadavg_at_start": [5.0, 5.0, 5.0]},
        "duration_s": 60.0,
        "errors": [],
    }  # fmt: skip


def cells(markdown: str, label: str) -> list[str]:
    """The cells after the label of the table row that starts with it."""
    (row,) = [line for line in markdown.splitlines() if line.startswith(f"| {label}")]
    return [cell.strip() for cell in row.strip("|").split("|")][1:]


def test_the_summary_puts_the_protocols_side_by_side() -> None:
    rt, dg = realtime_level(), deepgram_level()
    text = summary_table(live_results([rt, dg]))
    assert text.splitlines()[0] == "|  | tiny.en realtime | tiny.en deepgram |"
    first = cells(text, "onset → first text")
    assert first == [
        f"{fmt(rt['onset_to_first_delta']['p50'])} / {fmt(rt['onset_to_first_delta']['p95'])}",
        f"{fmt(dg['onset_to_first_interim']['p50'])} / {fmt(dg['onset_to_first_interim']['p95'])}",
    ]
    final = cells(text, "end of speech → final")
    assert final[1].startswith(fmt(dg["speech_end_to_speech_final"]["p50"]))
    assert dg["speech_end_to_speech_final"]["p50"] == pytest.approx(3.4 - 2.5)
    assert cells(text, "speech_stopped → completed")[1] == "–"  # Deepgram sends none


def test_the_targets_are_the_realtime_api_s_only() -> None:
    both = evaluate(live_results([realtime_level(), deepgram_level()]))
    assert len(both) == 4 and "first delta" in both[0]["target"]
    assert evaluate(live_results([deepgram_level()])) == []


def test_the_report_has_a_table_of_the_deepgram_segments() -> None:
    markdown = render(live_results([realtime_level(), deepgram_level()]))
    assert "## Segments of the single Deepgram session" in markdown
    assert "`/v1/listen?model=<model>&endpointing=500`" in markdown
    segments = markdown.split("## Segments of the single Deepgram session")[1]
    (row,) = [line for line in segments.splitlines() if "Hello there." in line]
    assert cells(row, "tiny.en")[:2] == ["1.05 (offline)", "2.50 (offline)"]


def test_a_run_from_before_deepgram_renders_as_realtime() -> None:
    old = realtime_level()
    del old["protocol"], old["speech_end_to_completed"]
    results = live_results([old])
    del results["protocols"], results["deepgram_path"], results["deepgram_query"]
    markdown = render(results)
    assert "|  | tiny.en realtime |" in markdown
    assert "Deepgram" not in markdown
    assert len(evaluate(results)) == 4
