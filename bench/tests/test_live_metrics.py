"""The live figures from a session's events: turns, onset, latencies, lag trend, joined text."""

from __future__ import annotations

import math

import pytest

from bench.live.metrics import (
    COMMITTED,
    COMPLETED,
    STARTED,
    Received,
    TurnTiming,
    collect_turns,
    joined_transcript,
    keeps_up,
    lag_growth,
    lag_trend,
    pass_pairs,
    slope,
    speech_end,
    time_turn,
    turn_onset,
)
from bench.tests.live_events import pacing_from, turn_events
from bench.textmetrics import corpus_wer

PREFIX = 0.3


def test_events_are_grouped_by_item_in_the_order_the_server_named_them() -> None:
    at = {"started": 1.0, "stopped": 3.0, "delta0": 2.0, "completed": 3.5}
    later = {k: v + 10 for k, v in at.items()}
    events = turn_events("a", 700, 2500, at, [" one"]) + turn_events("b", 9700, 12500, later, [])
    turns = collect_turns([*events, (0.5, {"type": "session.updated"})])
    assert [turn.item_id for turn in turns] == ["a", "b"]
    assert turns[0].audio_start_ms == 700 and turns[0].audio_end_ms == 2500
    assert turns[0].deltas == [" one"] and turns[0].delta_times == [2.0]
    assert turns[1].deltas == [] and turns[1].transcript == ""


def test_onset_is_the_offline_segment_that_starts_the_turn() -> None:
    segments = [(0.2, 0.6), (1.05, 2.0), (2.1, 3.0)]
    assert turn_onset(1.0, 3.0, segments) == 1.05
    assert turn_onset(1.2, 3.0, segments) == 1.05  # the server heard it 150 ms late
    assert turn_onset(5.0, 6.0, segments) is None
    assert turn_onset(2.05, 3.0, segments) == 2.1  # an earlier turn owns the segment before


def test_speech_ends_with_the_last_offline_segment_that_starts_in_the_turn() -> None:
    segments = [(0.2, 0.6), (1.05, 2.0), (2.1, 3.05), (3.6, 4.0)]
    assert speech_end(1.05, 3.0, segments) == 3.05  # past the server's end: it heard it early
    assert speech_end(1.05, 1.9, segments) == 2.0
    assert speech_end(5.0, 6.0, segments) is None


def test_a_turn_s_latencies_are_measured_from_the_audio_s_send_time() -> None:
    started = 100.0
    pacing = pacing_from(started, 5.0)
    at = {"started": 101.3, "delta0": 102.0, "delta1": 102.6, "stopped": 103.2, "completed": 103.5}
    (turn,) = collect_turns(turn_events("a", 700, 2500, at, [" Hello", " there."]))
    timing = time_turn(turn, pacing, [(1.05, 2.5)], PREFIX)
    assert timing is not None
    assert timing.onset_source == "offline" and timing.onset_s == 1.05
    # the audio just before 1.05 s went out with chunk 10, at started + 1.1
    assert timing.onset_to_first_delta == pytest.approx(at["delta0"] - (started + 1.1))
    assert timing.stop_to_completed == pytest.approx(at["completed"] - at["stopped"])
    assert timing.lag == pytest.approx(at["completed"] - (started + 2.5))
    assert timing.speech_end_source == "offline" and timing.speech_end_s == 2.5
    assert timing.speech_end_to_completed == pytest.approx(at["completed"] - (started + 2.5))
    assert timing.delta_during_speech and timing.deltas == 2
    assert timing.deltas_join_to_transcript


def test_without_an_offline_segment_the_server_onset_is_used() -> None:
    pacing = pacing_from(0.0, 5.0)
    at = {"started": 1.3, "stopped": 3.2, "completed": 3.5, "delta0": 3.4}
    (turn,) = collect_turns(turn_events("a", 700, 2500, at, [" Hi."]))
    timing = time_turn(turn, pacing, [], PREFIX)
    assert timing is not None
    assert timing.onset_source == "server"
    assert timing.onset_s == pytest.approx(0.7 + PREFIX)
    assert timing.speech_end_source == "server" and timing.speech_end_s == 2.5
    assert not timing.delta_during_speech  # its only delta came with the final decode


def test_a_manually_committed_item_has_no_vad_timing() -> None:
    events: list[Received] = [
        (1.0, {"type": COMMITTED, "item_id": "m"}),
        (2.0, {"type": COMPLETED, "item_id": "m", "transcript": "x"}),
    ]
    (turn,) = collect_turns(events)
    assert time_turn(turn, pacing_from(0.0, 1.0), [], PREFIX) is None


def test_a_turn_not_yet_completed_has_no_lag() -> None:
    at = {"started": 1.3, "stopped": 3.2, "completed": 3.5}
    events = [e for e in turn_events("a", 700, 2500, at, []) if e[1]["type"] != COMPLETED]
    timing = time_turn(collect_turns(events)[0], pacing_from(0.0, 5.0), [], PREFIX)
    assert timing is not None and timing.lag is None and timing.stop_to_completed is None


def test_slope_is_least_squares() -> None:
    assert slope([(0.0, 1.0), (10.0, 2.0), (20.0, 3.0)]) == pytest.approx(0.1)
    assert slope([(0.0, 1.0), (10.0, 1.0)]) == 0.0
    assert math.isnan(slope([(1.0, 1.0)]))
    assert math.isnan(slope([(1.0, 1.0), (1.0, 2.0)]))


def timing(end_s: float, lag: float, failed: bool = False) -> TurnTiming:
    return TurnTiming(
        item_id=f"i{end_s}", audio_start_s=end_s - 1, audio_end_s=end_s, onset_s=end_s - 1,
        onset_source="offline", onset_to_first_delta=0.5, delta_during_speech=True, deltas=1,
        stop_to_completed=lag - 0.5, speech_end_s=end_s, speech_end_source="offline",
        speech_end_to_completed=lag, lag=lag, transcript="x", deltas_join_to_transcript=True,
        failed=failed,
    )  # fmt: skip


def test_a_long_turn_s_longer_lag_is_no_growth_when_it_recurs_with_the_same_lag() -> None:
    # a pass: a short turn (lag 1 s) then a long one (lag 3 s), spoken twice, 40 s apart
    turns = [timing(10.0, 1.0), timing(30.0, 3.0), timing(50.0, 1.1), timing(70.0, 3.0)]
    assert lag_trend(turns) > 0.02  # a slope over the stream would call it falling behind
    assert [(a.audio_end_s, b.audio_end_s) for a, b in pass_pairs(turns, 40.0)] == [
        (10.0, 50.0),
        (30.0, 70.0),
    ]
    assert lag_growth(turns, 40.0) == pytest.approx(0.05 / 40.0)
    assert keeps_up(turns, every_turn_completed=True, pass_seconds=40.0)


def test_a_session_whose_lag_grows_from_pass_to_pass_falls_behind() -> None:
    turns = [timing(10.0, 1.0), timing(30.0, 3.0), timing(50.0, 4.0), timing(70.0, 6.0)]
    assert lag_growth(turns, 40.0) == pytest.approx(3.0 / 40.0)
    assert not keeps_up(turns, every_turn_completed=True, pass_seconds=40.0)


def test_turns_match_across_passes_only_where_the_same_speech_ends() -> None:
    turns = [timing(10.0, 1.0), timing(50.6, 1.0)]  # 40.6 s apart: not the same turn
    assert pass_pairs(turns, 40.0) == []
    assert math.isnan(lag_growth(turns, 40.0))


def test_with_one_pass_the_lag_slope_over_the_stream_decides() -> None:
    assert keeps_up([timing(10.0, 1.0), timing(50.0, 1.2)], True, pass_seconds=0.0)
    assert not keeps_up([timing(10.0, 1.0), timing(50.0, 5.0)], True, pass_seconds=0.0)


def test_a_session_with_turns_left_unfinished_or_failed_does_not_keep_up() -> None:
    turns = [timing(10.0, 1.0), timing(50.0, 1.0)]
    assert not keeps_up(turns, every_turn_completed=False, pass_seconds=40.0)
    failed = [*turns, timing(90.0, 1.0, failed=True)]
    assert not keeps_up(failed, every_turn_completed=True, pass_seconds=40.0)


def test_the_session_text_joins_the_completed_transcripts_in_turn_order() -> None:
    events: list[Received] = []
    for index, text in enumerate([" Ask not", "", " what your country can do."]):
        at = {"started": 10.0 * index + 1, "stopped": 10.0 * index + 3,
              "delta0": 10.0 * index + 2, "completed": 10.0 * index + 4}  # fmt: skip
        events += turn_events(f"t{index}", 1000 * index, 1000 * index + 500, at, [text])
    turns = collect_turns(events)
    text = joined_transcript(turns)
    assert text == "Ask not what your country can do."
    reference = "ASK NOT WHAT YOUR COUNTRY CAN DO FOR YOU"
    assert corpus_wer([(reference, text)]) == pytest.approx(2 / len(reference.split()))


def test_turns_without_a_transcript_add_nothing_to_the_text() -> None:
    events: list[Received] = [(1.0, {"type": STARTED, "item_id": "x", "audio_start_ms": 0})]
    assert joined_transcript(collect_turns(events)) == ""
