"""Cutting long audio into pieces for batched decoding (no Whisper model: Silero VAD and
loudness only), and which requests decode that way."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from faster_whisper.vad import VadOptions
from whisperd.api.plan import PlanDefaults, plan_request
from whisperd.engine.audio import SAMPLE_RATE, decode_audio
from whisperd.engine.pauses import speech_spans
from whisperd.engine.pieces import PIECE_SECONDS, Piece, cut_pieces
from whisperd.settings import Settings

from tests.support.audio import make_speech

Stretch = tuple[float, float]


def _bursts(seed: int, seconds: float) -> tuple[np.ndarray, list[Stretch]]:
    """Noise bursts of 0.5 to 4 s (a stand-in for runs of words) between silences of 0.15 to
    1.2 s, and where the silences are."""
    rng = np.random.default_rng(seed)
    parts: list[np.ndarray] = []
    silences: list[Stretch] = []
    at = 0.0
    while at < seconds:
        burst = rng.uniform(0.5, 4.0)
        parts.append(rng.normal(0, 0.1, round(burst * SAMPLE_RATE)).astype(np.float32))
        at += burst
        pause = rng.uniform(0.15, 1.2)
        parts.append(np.zeros(round(pause * SAMPLE_RATE), np.float32))
        silences.append((at, at + pause))
        at += pause
    return np.concatenate(parts), silences


def _assert_tiles(pieces: list[Piece], duration: float) -> None:
    assert pieces[0].start == 0.0
    assert pieces[-1].end == pytest.approx(duration, abs=1e-6)
    for before, after in itertools.pairwise(pieces):
        assert before.end == after.start  # no gap, no overlap
    assert all(0 < piece.seconds <= PIECE_SECONDS for piece in pieces)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pieces_cover_the_whole_audio_without_gaps(seed: int) -> None:
    audio, _ = _bursts(seed, 200.0)
    _assert_tiles(cut_pieces(audio), len(audio) / SAMPLE_RATE)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_cut_falls_in_a_pause(seed: int) -> None:
    audio, silences = _bursts(seed, 200.0)
    cuts = [piece.end for piece in cut_pieces(audio)[:-1]]
    assert cuts
    for cut in cuts:  # the loudness frames are 10 ms: a cut may sit that close to an edge
        assert any(start - 0.01 <= cut <= end + 0.01 for start, end in silences), cut


def test_pieces_are_long_where_the_audio_allows() -> None:
    audio, _ = _bursts(3, 300.0)
    pieces = cut_pieces(audio)
    # Pauses come every few seconds: each cut is near the 30 s limit, not at the first pause.
    assert all(piece.seconds > PIECE_SECONDS - 6 for piece in pieces[:-1])


def test_audio_without_a_pause_is_still_cut_within_the_limit() -> None:
    rng = np.random.default_rng(4)
    audio = rng.normal(0, 0.1, 75 * SAMPLE_RATE).astype(np.float32)
    pieces = cut_pieces(audio)
    _assert_tiles(pieces, 75.0)
    assert len(pieces) == 3


def test_audio_shorter_than_a_piece_is_one_piece() -> None:
    audio, _ = _bursts(5, 20.0)
    [piece] = cut_pieces(audio)
    assert (piece.start, piece.end) == (0.0, pytest.approx(len(audio) / SAMPLE_RATE))


def test_a_silent_stretch_is_a_piece_with_nothing_to_decode() -> None:
    audio, _ = _bursts(6, 40.0)
    silence = np.zeros(45 * SAMPLE_RATE, np.float32)
    pieces = cut_pieces(np.concatenate([audio, silence]))
    sounding = len(audio) / SAMPLE_RATE
    assert all(piece.sound for piece in pieces if piece.start < sounding - 1)
    assert not pieces[-1].sound and pieces[-1].start >= sounding - 1


_FORMATS = [
    ({"response_format": "json"}, True),
    ({"response_format": "text"}, True),
    ({"response_format": "verbose_json", "timestamp_granularities[]": ["word"]}, True),
    ({"response_format": "verbose_json"}, False),  # segment timestamps shown
    ({"response_format": "verbose_json", "timestamp_granularities[]": ["word", "segment"]}, False),
    ({"response_format": "srt"}, False),
    ({"response_format": "vtt"}, False),
    ({"response_format": "json", "stream": True}, False),
]


@pytest.mark.parametrize(("fields", "batched"), _FORMATS)
def test_only_answers_without_segment_timestamps_batch(
    fields: dict[str, object], batched: bool
) -> None:
    defaults = PlanDefaults.from_settings(Settings())
    plan = plan_request({"model": "base", **fields}, task="transcribe", defaults=defaults)
    assert plan.decoding.batch_size == (Settings().batch_size if batched else 0)
    assert plan.decoding.batches(600.0) == batched


def test_silence_has_no_speech_spans() -> None:
    assert speech_spans(np.zeros(5 * SAMPLE_RATE, np.float32), VadOptions()) == []


def test_speech_spans_are_ordered_seconds_inside_the_speech(tmp_path: Path) -> None:
    spoken = make_speech(tmp_path, "two-sentences", "en-us", "One sentence here. Then another.")
    with spoken.path.open("rb") as handle:
        samples = decode_audio(handle).samples
    audio = np.concatenate([np.zeros(SAMPLE_RATE, np.float32), samples])
    spans = speech_spans(audio, VadOptions(speech_pad_ms=0))
    assert spans
    assert spans[0][0] >= 0.9  # after the second of silence put in front
    assert all(0.0 <= start < end <= len(audio) / SAMPLE_RATE for start, end in spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
