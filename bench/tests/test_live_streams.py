"""The live streams: real clips laid out with silence, repeated passes, offline onsets."""

from __future__ import annotations

import pytest

from bench.corpus import Corpus
from bench.live.pacing import LIVE_RATE
from bench.live.streams import GAP_SECONDS, LEAD_SECONDS, build_stream, live_rows, rotated


def test_live_clips_are_exact_read_speech_of_5_to_30_seconds(corpus: Corpus) -> None:
    rows = live_rows(corpus, None)
    assert len(rows) >= 4
    assert all(row.exact and 5.0 <= row.duration <= 30.0 for row in rows)


def test_rotation_starts_at_another_clip_and_keeps_them_all(corpus: Corpus) -> None:
    rows = live_rows(corpus, None)[:3]
    assert rotated(rows, 1) == [rows[1], rows[2], rows[0]]
    assert rotated(rows, 4) == rotated(rows, 1)


def test_a_second_pass_repeats_the_speech_one_pass_later(corpus: Corpus) -> None:
    (row,) = live_rows(corpus, ("Speech2Text__1089-134691-0001",))
    stream = build_stream("s", [row], corpus.audio_dir, passes=2)
    first, second = stream.utterances
    assert first.start_s == LEAD_SECONDS
    assert stream.pass_seconds == pytest.approx(first.duration_s + GAP_SECONDS)
    assert second.start_s == pytest.approx(first.start_s + stream.pass_seconds)
    offset = round(stream.pass_seconds * LIVE_RATE)
    start = round(first.start_s * LIVE_RATE)
    clip = stream.samples[start : start + round(first.duration_s * LIVE_RATE)]
    assert (stream.samples[start + offset : start + offset + len(clip)] == clip).all()
    assert stream.reference == f"{row.reference} {row.reference}"


def test_offline_speech_lies_inside_the_utterances(corpus: Corpus) -> None:
    (row,) = live_rows(corpus, ("Speech2Text__1089-134691-0001",))
    stream = build_stream("s", [row], corpus.audio_dir, passes=2)
    assert stream.speech
    for begin, end in stream.speech:
        assert any(
            u.start_s - 0.05 <= begin < end <= u.start_s + u.duration_s + 0.05
            for u in stream.utterances
        )
