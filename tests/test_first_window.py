"""A stream's short first window: its first segment comes from the first seconds of speech,
and the rest of the transcript is what whole windows give."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from whisperd.api.plan import PlanDefaults, plan_request
from whisperd.engine import first_window
from whisperd.engine.audio import SAMPLE_RATE, decode_audio
from whisperd.engine.first_window import MIN_SECONDS, WINDOW_FRAMES, first_window_end
from whisperd.engine.transcribe import (
    FIRST_WINDOW_ENCODER_FRAMES,
    Cancelled,
    DecodeOptions,
    Segment,
    start_transcription,
    transcribe,
)
from whisperd.settings import Settings
from whisperd.store.manager import LoadedModel, ModelManager

from tests.support.models import model_manager
from tests.support.paths import shared_path
from tests.support.wer import word_error_rate

STREAM = DecodeOptions(first_window_seconds=10.0)
LUCIER = "audio/en_long/gentle__lucier.mp3"  # 101 s, speech from about 7 s on
LIBRISPEECH = "audio/en_read/Speech2Text__1089-134686-0000.flac"  # 10 s


@pytest.fixture(scope="module")
def manager(model_cache_dir: Path) -> ModelManager:
    return model_manager(model_cache_dir, "tiny.en")


@pytest.fixture(scope="module")
def tiny(manager: ModelManager) -> LoadedModel:
    return manager.get("tiny.en")


def samples(relative: str) -> np.ndarray:
    with open(shared_path(relative), "rb") as handle:
        return decode_audio(handle).samples


@pytest.fixture(scope="module")
def lucier() -> np.ndarray:
    return samples(LUCIER)


@pytest.fixture(scope="module")
def streamed(tiny: LoadedModel, lucier: np.ndarray) -> list[Segment]:
    return transcribe(tiny.whisper, lucier, STREAM).segments


@pytest.mark.parametrize("stream", [True, False])
def test_only_streams_get_a_short_first_window(stream: bool) -> None:
    defaults = PlanDefaults.from_settings(Settings(stream_first_window_seconds=8.0))
    plan = plan_request({"model": "base", "stream": stream}, task="transcribe", defaults=defaults)
    assert plan.decoding.first_window_seconds == (8.0 if stream else 0.0)


def test_the_cut_is_in_the_pause_between_two_utterances() -> None:
    speech = samples(LIBRISPEECH)[: 4 * SAMPLE_RATE]
    pause = np.zeros(SAMPLE_RATE, np.float32)
    audio = np.concatenate([speech, pause, speech, pause, speech])
    cut = first_window_end(audio, 10.0)
    assert cut is not None
    assert 4.0 < cut < 5.0


def test_speech_that_starts_late_is_still_cut_in_its_pause() -> None:
    # Past the short head searched first: the search goes on over the first 30 s.
    speech = samples(LIBRISPEECH)[: 4 * SAMPLE_RATE]
    pause = np.zeros(SAMPLE_RATE, np.float32)
    audio = np.concatenate([np.zeros(15 * SAMPLE_RATE, np.float32), speech, pause, speech])
    cut = first_window_end(audio, 10.0)
    assert cut is not None
    assert 19.0 < cut < 20.0


def test_the_short_head_finds_the_pause_the_whole_search_would(lucier: np.ndarray) -> None:
    # Lucier's speech starts about 7 s in: its first clear pause is in the short head.
    whole = first_window._search(lucier[: first_window.SEARCH_SECONDS * SAMPLE_RATE], 10.0)
    assert whole is not None
    assert first_window_end(lucier, 10.0) == whole[0]


def test_the_short_window_is_encoded_from_20_seconds_of_frames(
    tiny: LoadedModel, lucier: np.ndarray
) -> None:
    run = start_transcription(tiny.whisper, lucier, STREAM)
    try:
        next(run.segments)  # the short window's
        assert tiny.whisper.encoder_output.shape[1] == FIRST_WINDOW_ENCODER_FRAMES // 2
        next(run.segments)  # the whole windows', on a padded 30 s again
        assert tiny.whisper.encoder_output.shape[1] == WINDOW_FRAMES // 2
    finally:
        run.segments.close()  # type: ignore[attr-defined]


def test_a_stream_left_unread_does_not_shorten_the_next_requests_windows(
    tiny: LoadedModel, lucier: np.ndarray
) -> None:
    start_transcription(tiny.whisper, lucier, STREAM)  # its segments never read
    run = start_transcription(tiny.whisper, lucier, DecodeOptions())
    try:
        next(run.segments)
        assert tiny.whisper.encoder_output.shape[1] == WINDOW_FRAMES // 2
    finally:
        run.segments.close()  # type: ignore[attr-defined]


def test_no_cut_without_speech() -> None:
    assert first_window_end(np.zeros(40 * SAMPLE_RATE, np.float32), 10.0) is None


def test_no_cut_when_the_limit_leaves_no_room() -> None:
    audio = samples(LIBRISPEECH)
    assert first_window_end(np.concatenate([audio] * 4), MIN_SECONDS / 2) is None


def test_the_first_segment_ends_within_the_first_seconds_of_speech(
    streamed: list[Segment],
) -> None:
    assert streamed[0].text.strip()
    assert streamed[0].end <= 7.0 + STREAM.first_window_seconds


def test_the_streamed_text_is_the_whole_window_text(
    streamed: list[Segment], tiny: LoadedModel, lucier: np.ndarray
) -> None:
    whole = transcribe(tiny.whisper, lucier, DecodeOptions()).text
    text = "".join(segment.text for segment in streamed)
    assert word_error_rate(whole, text) <= 0.05, (whole, text)


def test_after_the_first_window_come_the_whole_window_segments(
    streamed: list[Segment], tiny: LoadedModel, lucier: np.ndarray
) -> None:
    whole = transcribe(tiny.whisper, lucier, DecodeOptions()).segments
    later = [(segment.start, segment.text) for segment in whole if segment.start >= 30.0]
    assert later
    assert [(segment.start, segment.text) for segment in streamed if segment.start >= 30.0] == later


def test_timestamps_run_forward(streamed: list[Segment]) -> None:
    assert all(segment.start <= segment.end for segment in streamed)
    assert all(a.end <= b.start for a, b in itertools.pairwise(streamed))
    assert streamed[-1].end > 90.0


def test_audio_of_one_window_keeps_its_window(tiny: LoadedModel) -> None:
    audio = samples(LIBRISPEECH)
    short = transcribe(tiny.whisper, audio, STREAM)
    assert short.segments == transcribe(tiny.whisper, audio, DecodeOptions()).segments


def test_logprobs_score_every_token_of_the_first_window(
    tiny: LoadedModel, lucier: np.ndarray
) -> None:
    run = start_transcription(tiny.whisper, lucier, replace(STREAM, token_logprobs=True))
    first = next(run.segments)
    run.segments.close()  # type: ignore[attr-defined]
    text_tokens = [token for token in first.tokens if token < 50257]
    assert len(first.logprobs) == len(text_tokens) > 0
    assert all(logprob.logprob > -10 for logprob in first.logprobs[:3])


def test_words_of_the_first_window_lie_inside_it(tiny: LoadedModel, lucier: np.ndarray) -> None:
    run = start_transcription(tiny.whisper, lucier, replace(STREAM, word_timestamps=True))
    first = next(run.segments)
    run.segments.close()  # type: ignore[attr-defined]
    assert first.words
    assert all(first.start <= word.start <= word.end <= first.end for word in first.words)


def test_a_cancelled_stream_stops_after_its_first_window(
    tiny: LoadedModel, lucier: np.ndarray
) -> None:
    cancel = threading.Event()
    run = start_transcription(tiny.whisper, lucier, STREAM, cancel)
    next(run.segments)
    cancel.set()
    with pytest.raises(Cancelled):
        list(run.segments)


def test_detection_and_the_first_window_share_one_encoding(
    manager: ModelManager, lucier: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A multilingual model detects the language on the short first window, exactly as it is
    then decoded, so the first segment costs one encoder pass."""
    base = manager.get("base")
    encoder = type(base.whisper.model.wrapped)
    encode = encoder.encode
    calls: list[int] = []

    def counted(self: object, *args: object, **kwargs: object) -> object:
        calls.append(1)
        return encode(self, *args, **kwargs)

    monkeypatch.setattr(encoder, "encode", counted)
    run = start_transcription(base.whisper, lucier, STREAM)
    first = next(run.segments)
    run.segments.close()  # type: ignore[attr-defined]
    assert run.info.language == "en"
    assert 0.5 < run.info.language_probability <= 1.0
    assert first.end <= 7.0 + STREAM.first_window_seconds
    assert len(calls) == 1
