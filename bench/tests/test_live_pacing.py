"""Real-time pacing: chunk sizes, the send schedule, and the wall time of a stream position."""

from __future__ import annotations

import pytest

from bench.live.pacing import BYTES_PER_SAMPLE, LIVE_RATE, Pacing, chunk_bytes, schedule


def test_chunks_hold_100_ms_of_24_khz_pcm16_and_keep_every_byte() -> None:
    pcm = bytes(range(256)) * 100  # 25600 bytes: 5 whole chunks and a short one
    chunks = chunk_bytes(pcm, 0.1)
    per_chunk = LIVE_RATE // 10 * BYTES_PER_SAMPLE
    assert [len(c) for c in chunks[:-1]] == [per_chunk] * (len(chunks) - 1)
    assert 0 < len(chunks[-1]) <= per_chunk
    assert b"".join(chunks) == pcm


def test_chunk_k_is_due_when_it_would_have_been_recorded() -> None:
    assert schedule(3, 0.1) == pytest.approx([0.1, 0.2, 0.3])


def test_a_position_maps_to_the_send_time_of_the_chunk_holding_the_audio_before_it() -> None:
    pacing = Pacing(started=100.0, chunk_seconds=0.1, sent=[100.1, 100.2, 100.35, 100.4])
    assert pacing.sent_by(0.05) == 100.1  # inside the first chunk
    assert pacing.sent_by(0.1) == 100.1  # everything before 0.1 s was in the first chunk
    assert pacing.sent_by(0.25) == 100.35  # the third chunk, sent late
    assert pacing.sent_by(0.0) == 100.1
    assert pacing.sent_by(9.0) == 100.4  # past the end: the last chunk


def test_position_on_a_chunk_boundary_is_not_moved_by_float_error() -> None:
    pacing = Pacing(started=0.0, chunk_seconds=0.1, sent=[1.0, 2.0, 3.0, 4.0])
    assert pacing.sent_by(0.3) == 3.0  # 0.3 / 0.1 is 2.9999999999999996 in floats


def test_drift_is_how_late_each_chunk_went_out() -> None:
    pacing = Pacing(started=10.0, chunk_seconds=0.1, sent=[10.1, 10.25, 10.3])
    assert pacing.drift() == pytest.approx([0.0, 0.05, 0.0])


def test_no_audio_sent_has_no_send_time() -> None:
    with pytest.raises(ValueError):
        Pacing(started=0.0).sent_by(1.0)
