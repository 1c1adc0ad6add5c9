"""The Deepgram live figures from a session's messages: segments, onset → first interim,
end of speech → speech_final, lag, the joined finals."""

from __future__ import annotations

import pytest

from bench.live.deepgram_metrics import (
    collect_segments,
    final_transcript,
    metadata_received,
    time_segment,
)
from bench.live.metrics import Received, keeps_up, lag_growth
from bench.tests.live_events import dg_results, pacing_from, segment_events
from bench.textmetrics import corpus_wer

PREFIX = 0.3
OFFLINE = [(1.05, 2.5)]  # Silero's speech in the stream, seconds


def test_results_of_the_same_start_are_one_segment() -> None:
    events: list[Received] = [
        (1.0, {"type": "SpeechStarted", "timestamp": 0.75}),
        *segment_events(0.75, 2.5, [(1.5, ""), (2.0, "Hello"), (2.6, "Hello there")], 3.3,
                        "Hello there."),
        (3.4, {"type": "UtteranceEnd", "last_word_end": 2.4}),
        *segment_events(5.0, 6.0, [(5.8, "Again")], 6.9, "Again."),
    ]  # fmt: skip
    first, second = collect_segments(events)
    assert first.start == 0.75 and second.start == 5.0
    assert first.interims == ["Hello", "Hello there"] and first.interim_times == [2.0, 2.6]
    assert first.empty_interims == 1  # an interim without words is no first interim
    assert first.final_at == 3.3 and first.duration == pytest.approx(1.75)
    assert first.transcript == "Hello there." and first.speech_final
    assert second.interims == ["Again"]


def test_segments_are_in_audio_order_whichever_result_came_first() -> None:
    events: list[Received] = [
        (5.0, dg_results(4.0, 0.5, "Later", is_final=False)),
        (6.0, dg_results(0.5, 2.0, "First.", is_final=True, speech_final=True)),
        (7.0, dg_results(4.0, 1.5, "Later.", is_final=True, speech_final=True)),
    ]
    segments = collect_segments(events)
    assert [s.start for s in segments] == [0.5, 4.0]
    assert final_transcript(segments) == "First. Later."


def test_a_segment_s_latencies_are_measured_from_the_audio_s_send_time() -> None:
    started = 100.0
    pacing = pacing_from(started, 5.0)
    events = segment_events(0.75, 2.5, [(101.6, "Hello"), (102.1, "Hello there")], 103.2, "Hi.")
    (segment,) = collect_segments(events)
    timing = time_segment(segment, pacing, OFFLINE, PREFIX)
    assert timing is not None
    assert timing.onset_source == "offline" and timing.onset_s == 1.05
    # the audio just before 1.05 s went out with chunk 10, at started + 1.1
    assert timing.onset_to_first_interim == pytest.approx(101.6 - (started + 1.1))
    assert timing.speech_end_source == "offline" and timing.speech_end_s == 2.5
    assert timing.speech_end_to_speech_final == pytest.approx(103.2 - (started + 2.5))
    assert timing.lag == pytest.approx(103.2 - (started + 2.5))
    assert timing.interim_during_speech and timing.interims == 2
    assert not timing.failed


def test_the_end_of_speech_is_the_offline_end_not_the_server_s() -> None:
    pacing = pacing_from(0.0, 6.0)
    (segment,) = collect_segments(segment_events(0.75, 3.2, [(2.0, "Hi")], 4.0, "Hi."))
    timing = time_segment(segment, pacing, OFFLINE, PREFIX)
    assert timing is not None
    assert timing.speech_end_s == 2.5 and timing.audio_end_s == pytest.approx(3.2)
    assert timing.speech_end_to_speech_final == pytest.approx(4.0 - 2.5)
    assert timing.lag == pytest.approx(4.0 - 3.2)


def test_without_offline_speech_the_server_s_start_and_end_are_used() -> None:
    pacing = pacing_from(0.0, 6.0)
    (segment,) = collect_segments(segment_events(0.75, 2.5, [(3.0, "Hi")], 3.5, "Hi."))
    timing = time_segment(segment, pacing, [], PREFIX)
    assert timing is not None
    assert timing.onset_source == "server" and timing.onset_s == pytest.approx(0.75 + PREFIX)
    assert timing.speech_end_source == "server" and timing.speech_end_s == pytest.approx(2.5)
    assert not timing.interim_during_speech  # it came after the speech had all been sent


def test_a_final_without_speech_final_has_no_end_of_speech_figure() -> None:
    events: list[Received] = [
        (2.0, dg_results(0.75, 1.0, "Hi", is_final=False)),
        (3.0, dg_results(0.75, 1.75, "Hi.", is_final=True, from_finalize=True)),
    ]
    timing = time_segment(collect_segments(events)[0], pacing_from(0.0, 5.0), OFFLINE, PREFIX)
    assert timing is not None
    assert not timing.speech_final and timing.from_finalize
    assert timing.speech_end_to_speech_final is None
    assert timing.lag == pytest.approx(3.0 - 2.5)


def test_a_segment_that_never_got_its_final_failed() -> None:
    events: list[Received] = [(2.0, dg_results(0.75, 1.0, "Hi", is_final=False))]
    timing = time_segment(collect_segments(events)[0], pacing_from(0.0, 5.0), OFFLINE, PREFIX)
    assert timing is not None
    assert timing.failed and timing.lag is None
    assert timing.audio_end_s == pytest.approx(1.75)  # as far as its interims went
    assert not keeps_up([timing], every_turn_completed=True, pass_seconds=0.0)


def test_an_empty_flush_is_no_segment() -> None:
    events: list[Received] = [(2.0, dg_results(4.0, 0.0, "", is_final=True, from_finalize=True))]
    (segment,) = collect_segments(events)
    assert time_segment(segment, pacing_from(0.0, 5.0), OFFLINE, PREFIX) is None


def test_a_final_closes_its_segment() -> None:
    events: list[Received] = [
        (2.0, dg_results(0.75, 1.0, "One.", is_final=True, speech_final=True)),
        (3.0, dg_results(0.75, 0.5, "Two", is_final=False)),
    ]
    first, second = collect_segments(events)
    assert first.transcript == "One." and second.interims == ["Two"] and second.final_at is None


def test_segment_lag_growth_compares_the_same_speech_one_pass_apart() -> None:
    pacing = pacing_from(0.0, 60.0)
    lags = [1.0, 1.5]  # the second pass's final is half a second later than the first's
    events = [
        event
        for k, lag in enumerate(lags)
        for event in segment_events(1.0 + 20 * k, 5.0 + 20 * k, [], 5.0 + 20 * k + lag, "x")
    ]
    timings = [time_segment(s, pacing, [], PREFIX) for s in collect_segments(events)]
    assert all(tt is not None for tt in timings)
    growth = lag_growth([tt for tt in timings if tt is not None], pass_seconds=20.0)
    assert growth == pytest.approx(0.5 / 20.0)


def test_the_session_text_joins_the_finals_in_segment_order() -> None:
    events = [
        *segment_events(0.5, 2.0, [(1.5, "Ask")], 2.6, "Ask not"),
        *segment_events(3.0, 3.5, [], 4.0, ""),
        *segment_events(4.5, 7.0, [], 7.6, "what your country can do."),
    ]
    text = final_transcript(collect_segments(events))
    assert text == "Ask not what your country can do."
    reference = "ASK NOT WHAT YOUR COUNTRY CAN DO FOR YOU"
    assert corpus_wer([(reference, text)]) == pytest.approx(2 / len(reference.split()))


def test_a_session_drained_when_metadata_came() -> None:
    results = segment_events(0.5, 2.0, [], 2.6, "x")
    assert not metadata_received(results)
    assert metadata_received([*results, (3.0, {"type": "Metadata", "duration": 3.0})])
