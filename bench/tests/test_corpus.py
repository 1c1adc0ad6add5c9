"""The benchmark's audio selection on the real shared corpus."""

from __future__ import annotations

import wave

import pytest

from bench.corpus import EXACT_QUALITIES, JOIN_GAP_SECONDS, Corpus


def test_only_exactly_transcribed_english_is_used(corpus: Corpus) -> None:
    chosen = corpus.exact_english("en_long") + corpus.exact_english("en_read")
    assert chosen
    assert all(row.quality in EXACT_QUALITIES and row.language == "en" for row in chosen)
    unverified = {row.path for row in corpus.rows if not row.exact}
    assert not unverified & {row.path for row in chosen}


def test_read_speech_puts_librispeech_first(corpus: Corpus) -> None:
    rows = corpus.read_speech()
    flags = [row.librispeech for row in rows]
    assert flags[0]
    assert flags == sorted(flags, reverse=True)


def test_the_latency_clip_is_about_five_seconds(corpus: Corpus) -> None:
    assert corpus.latency_clip().duration == pytest.approx(5.0, abs=0.5)


def test_a_joined_file_holds_every_clip_and_the_gaps(corpus: Corpus) -> None:
    rows = corpus.read_speech(3)
    joined = corpus.joined("three", rows)
    expected = sum(row.duration for row in rows) + JOIN_GAP_SECONDS * (len(rows) - 1)
    assert joined.duration == pytest.approx(expected, abs=0.05)
    with wave.open(str(joined.path)) as audio:
        assert (audio.getframerate(), audio.getnchannels()) == (16_000, 1)
        assert audio.getnframes() / 16_000 == pytest.approx(joined.duration, abs=0.001)
    assert joined.reference == " ".join(row.reference for row in rows)
    assert joined.sources == [row.path for row in rows]


def test_the_full_long_set_has_a_file_of_sixty_seconds_or_more(corpus: Corpus) -> None:
    """The first-delta target is defined on a 60 s+ file."""
    assert max(clip.duration for clip in corpus.long_clips(None)) >= 60
