"""Cancellation inside diarization: a diarized request whose client leaves, or a live turn
whose session closes, stops the diarizer between its steps and frees its worker at once,
not when the diarization would have ended. In process (tiny.en, one worker), on a
two-speaker conversation from real recordings repeated to about a minute and a half."""

from __future__ import annotations

import asyncio
import threading
import time
import typing as t
from pathlib import Path

import numpy as np
import pytest
from whisperd.core.service import Service
from whisperd.diarize import DiarizationCancelled, SessionSpeakers
from whisperd.engine.transcribe import DecodeOptions
from whisperd.settings import Settings

from tests.support.conversation import build_conversation, require_speaker_weights
from tests.support.realtime import load_samples

REPEATS = 4


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    require_speaker_weights()
    conversation = build_conversation(tmp_path_factory.mktemp("conversation"))
    return np.tile(load_samples(conversation.path), REPEATS)


def new_service(cache_dir: Path) -> Service:
    return Service(Settings(model="tiny.en", cache_dir=str(cache_dir), workers=1, batch_requests=1))


@pytest.fixture(scope="module")
def diarize_seconds(model_cache_dir: Path, samples: np.ndarray) -> float:
    """How long the diarization takes when nobody cancels it: the yardstick for "at once"
    (so the checks hold on a loaded machine too)."""
    diarizer = new_service(model_cache_dir).diarizer()
    started = time.monotonic()
    diarizer.diarize(samples)
    return time.monotonic() - started


async def wait_for(condition: t.Callable[[], bool], timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def test_a_set_flag_stops_the_diarizer_between_steps(
    model_cache_dir: Path, samples: np.ndarray, diarize_seconds: float
) -> None:
    diarizer = new_service(model_cache_dir).diarizer()
    cancel = threading.Event()
    threading.Timer(0.2 * diarize_seconds, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(DiarizationCancelled):
        diarizer.diarize(samples, cancel=cancel)
    assert time.monotonic() - started < 0.7 * diarize_seconds, diarize_seconds


def test_a_cancelled_live_turn_frees_its_worker(
    model_cache_dir: Path, samples: np.ndarray, diarize_seconds: float
) -> None:
    async def scenario() -> float:
        service = new_service(model_cache_dir)
        speakers = SessionSpeakers(service.diarizer().options.session_threshold)
        task = asyncio.create_task(service.diarize_turn(samples, [], speakers))
        await wait_for(lambda: service.queue().running == 1, 30)
        await asyncio.sleep(0.2 * diarize_seconds)  # well inside the window embeddings
        assert service.queue().running == 1
        task.cancel()
        freed = await wait_for(lambda: service.queue().running == 0, diarize_seconds)
        await service.close()
        return freed

    freed_after = asyncio.run(scenario())
    assert freed_after < 0.5 * diarize_seconds, (freed_after, diarize_seconds)


def test_a_cancelled_diarized_request_frees_its_worker_after_transcribing(
    model_cache_dir: Path, samples: np.ndarray, diarize_seconds: float
) -> None:
    async def scenario() -> float:
        service = new_service(model_cache_dir)
        model = await service.model("tiny.en")
        service.diarizer()
        labels = {"task": "transcribe", "model": model.id}

        def transcriptions() -> float:
            registry = service.metrics.registry
            count = registry.get_sample_value("whisperd_inference_duration_seconds_count", labels)
            return count or 0.0

        before = transcriptions()
        job = service.job(model, samples, DecodeOptions(word_timestamps=True, language="en"))
        task = asyncio.create_task(service.diarize(job))
        # The transcription is recorded when it ends; the diarization then runs.
        await wait_for(lambda: transcriptions() > before, 600)
        await asyncio.sleep(0.2 * diarize_seconds)
        assert service.queue().running == 1
        task.cancel()
        freed = await wait_for(lambda: service.queue().running == 0, diarize_seconds)
        await service.close()
        return freed

    freed_after = asyncio.run(scenario())
    assert freed_after < 0.5 * diarize_seconds, (freed_after, diarize_seconds)
