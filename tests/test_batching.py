"""Concurrent requests decoded together: their model calls gathered, their texts as alone."""

from __future__ import annotations

import itertools
import threading
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ctranslate2
import numpy as np
import pytest
from whisperd.engine.audio import decode_audio
from whisperd.engine.batching import BatchingModel, BatchStats
from whisperd.engine.transcribe import DecodeOptions, transcribe
from whisperd.engine.whisper import Whisper
from whisperd.store.catalog import locate

from tests.support.audio import GeneratedAudio

SOT = 50257
PREVIOUS = 50360


@dataclass(frozen=True)
class FakeResult:
    total: float
    prompt: list[int]


class FakeModel:
    """Records the batch size of every call; encodes by doubling, detects the maximum as the
    probability of English, generates a sum."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def _record(self, method: str, rows: int) -> None:
        with self._lock:
            self.calls.append((method, rows))

    def encode(self, features: t.Any, to_cpu: bool = False) -> t.Any:
        array = np.asarray(features)
        self._record("encode", len(array))
        return ctranslate2.StorageView.from_array(np.ascontiguousarray(array * 2))

    def detect_language(self, features: t.Any, **kwargs: t.Any) -> list[list[tuple[str, float]]]:
        array = np.asarray(features)
        self._record("detect_language", len(array))
        return [[("<|en|>", float(array[i].max()))] for i in range(len(array))]

    def align(
        self, features: t.Any, sot: list[int], tokens: list[list[int]], frames: t.Any, **_: t.Any
    ) -> list[t.Any]:
        self._record("align", len(tokens))
        time.sleep(0.2)  # long enough for concurrent callers to be transcribing together
        return [(row, frames) for row in tokens]  # each row's own, to check the order

    def generate(self, features: t.Any, prompts: list[list[int]], **kwargs: t.Any) -> list[t.Any]:
        array = np.asarray(features)
        self._record("generate", len(array))
        if [666] in prompts:
            raise ValueError("a prompt the model refuses")
        return [FakeResult(float(array[i].sum()), prompts[i]) for i in range(len(array))]


def storage(value: float) -> t.Any:
    return ctranslate2.StorageView.from_array(np.full((1, 2, 3), value, np.float32))


def concurrently(model: BatchingModel, calls: list[t.Callable[[], t.Any]]) -> list[t.Any]:
    """Each call from its own transcribing thread, all at about the same time."""
    gate = threading.Barrier(len(calls))

    def run(call: t.Callable[[], t.Any]) -> t.Any:
        model.join()
        try:
            gate.wait()
            return call()
        except Exception as error:  # returned, so each thread's failure is seen
            return error
        finally:
            model.leave()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def batching(fake: FakeModel, **options: t.Any) -> BatchingModel:
    settings: dict[str, t.Any] = {"max_batch": 4, "gather_seconds": 5.0, **options}
    return BatchingModel(fake, sot_token=SOT, **settings)


def test_concurrent_encodes_run_one_by_one() -> None:
    fake = FakeModel()
    model = batching(fake)
    outputs = concurrently(model, [lambda v=v: model.encode(storage(v)) for v in (1, 2, 3)])
    assert fake.calls == [("encode", 1)] * 3
    assert [float(np.asarray(out).max()) for out in outputs] == [2.0, 4.0, 6.0]


def test_concurrent_language_detections_share_one_call() -> None:
    fake = FakeModel()
    model = batching(fake)
    outputs = concurrently(
        model, [lambda v=v: model.detect_language(storage(v)) for v in (1, 2, 3)]
    )
    assert [out[0][0][1] for out in outputs] == [1.0, 2.0, 3.0]
    assert model.stats() == BatchStats(calls=1, rows=3, shared=1)


def test_a_batch_holds_at_most_max_batch_rows() -> None:
    fake = FakeModel()
    model = batching(fake, max_batch=2)
    concurrently(model, [lambda v=v: model.generate(storage(v), [[SOT]]) for v in (1, 2, 3, 4)])
    assert fake.calls == [("generate", 2), ("generate", 2)]


def test_generate_results_go_back_to_their_callers() -> None:
    fake = FakeModel()
    model = batching(fake)
    prompts = [[SOT, 1], [SOT, 2], [SOT, 3]]
    outputs = concurrently(
        model,
        [
            lambda p=p, v=v: model.generate(storage(v), [p], beam_size=5)
            for v, p in enumerate(prompts)
        ],
    )
    assert fake.calls == [("generate", 3)]
    assert [out[0].prompt for out in outputs] == prompts
    assert [out[0].total for out in outputs] == [0.0, 6.0, 12.0]


def test_prompts_with_the_transcript_start_elsewhere_run_apart() -> None:
    """CTranslate2 batches prompts only with the start-of-transcript token at one place."""
    fake = FakeModel()
    model = batching(fake)
    concurrently(
        model,
        [
            lambda: model.generate(storage(1), [[SOT, 1]], beam_size=5),
            lambda: model.generate(storage(2), [[PREVIOUS, 7, SOT, 1]], beam_size=5),
        ],
    )
    assert fake.calls == [("generate", 1), ("generate", 1)]


def test_calls_with_other_options_run_apart() -> None:
    fake = FakeModel()
    model = batching(fake)
    concurrently(
        model,
        [
            lambda: model.generate(storage(1), [[SOT]], beam_size=5),
            lambda: model.generate(storage(2), [[SOT]], beam_size=1),
        ],
    )
    assert fake.calls == [("generate", 1), ("generate", 1)]


def test_sampling_goes_straight_to_the_model() -> None:
    """Each request draws its own samples, so sampling calls are never gathered."""
    fake = FakeModel()
    model = batching(fake)
    sample = {"beam_size": 1, "sampling_topk": 0, "sampling_temperature": 0.4}
    concurrently(model, [lambda v=v: model.generate(storage(v), [[SOT]], **sample) for v in (1, 2)])
    assert fake.calls == [("generate", 1), ("generate", 1)]
    assert model.stats().calls == 0  # no lane ran them


def test_a_failing_call_fails_alone() -> None:
    fake = FakeModel()
    model = batching(fake)
    outputs = concurrently(
        model,
        [
            lambda: model.generate(storage(1), [[SOT]], beam_size=5),
            lambda: model.generate(storage(2), [[666]], beam_size=5),
        ],
    )
    assert isinstance(outputs[1], ValueError)
    assert outputs[0][0].total == 6.0


@pytest.mark.timeout(20)
def test_a_lone_request_does_not_wait_for_others() -> None:
    fake = FakeModel()
    model = batching(fake, gather_seconds=60.0)
    started = time.monotonic()
    concurrently(model, [lambda: model.encode(storage(1))])
    assert time.monotonic() - started < 30.0  # far less than the gather window


class SlowFake(FakeModel):
    """Each encode takes a while and is timed, so calls side by side can be seen."""

    def __init__(self) -> None:
        super().__init__()
        self.spans: list[tuple[float, float]] = []

    def encode(self, features: t.Any, to_cpu: bool = False) -> t.Any:
        started = time.monotonic()
        time.sleep(0.2)
        result = super().encode(features, to_cpu)
        with self._lock:
            self.spans.append((started, time.monotonic()))
        return result


def test_a_lone_request_keeps_the_model_with_every_thread() -> None:
    narrow, wide = FakeModel(), FakeModel()
    model = batching(narrow, wide=wide, wide_lanes=2)
    concurrently(model, [lambda: [model.encode(storage(1)) for _ in range(3)]])
    assert narrow.calls == [("encode", 1)] * 3
    assert wide.calls == []


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_concurrent_encodes_run_side_by_side_on_the_wide_model() -> None:
    narrow, wide = SlowFake(), SlowFake()
    model = batching(narrow, wide=wide, wide_lanes=2, gather_seconds=0.5)
    outputs = concurrently(model, [lambda v=v: model.encode(storage(v)) for v in (1, 2, 3, 4)])
    assert [float(np.asarray(out).max()) for out in outputs] == [2.0, 4.0, 6.0, 8.0]
    spans = sorted(narrow.spans + wide.spans)
    overlapping = sum(b[0] < a[1] for a, b in itertools.pairwise(spans))
    assert overlapping >= 2  # at most two at a time, and mostly two
    assert model.stats().side_by_side >= 2


def test_word_alignment_goes_side_by_side_only_beside_other_requests() -> None:
    narrow, wide = FakeModel(), FakeModel()
    model = batching(narrow, wide=wide, wide_lanes=2)

    def align() -> t.Any:
        return model.align(storage(1), [SOT], [[1]], [100])

    concurrently(model, [align])
    assert (narrow.calls, wide.calls) == ([("align", 1)], [])
    concurrently(model, [align, align])
    assert wide.calls == [("align", 1)]  # the one that came while the other ran


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_lone_requests_rows_are_shared_out_to_the_replicas() -> None:
    narrow, wide = FakeModel(), FakeModel()
    model = batching(narrow, wide=wide, wide_lanes=2)
    rows = ctranslate2.StorageView.from_array(
        np.stack([np.full((2, 3), float(v), np.float32) for v in (1, 2, 3, 4)])
    )
    (encoded,) = concurrently(model, [lambda: model.encode(rows)])
    (generated,) = concurrently(model, [lambda: model.generate(rows, [[SOT, v] for v in range(4)])])
    (aligned,) = concurrently(
        model, [lambda: model.align(rows, [SOT], [[v] for v in range(4)], [10, 11, 12, 13])]
    )
    assert narrow.calls == []
    # Encoder passes a window at a time (stacked, each costs more); the rest two by two.
    assert sorted(wide.calls) == [("align", 2)] * 2 + [("encode", 1)] * 4 + [("generate", 2)] * 2
    assert np.asarray(encoded)[:, 0, 0].tolist() == [2.0, 4.0, 6.0, 8.0]  # in order
    assert [result.prompt[1] for result in generated] == [0, 1, 2, 3]
    assert aligned == [([0], [10, 11]), ([1], [10, 11]), ([2], [12, 13]), ([3], [12, 13])]


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_side_by_side_lanes_share_the_requests() -> None:
    narrow, wide = FakeModel(), FakeModel()
    model = batching(narrow, wide=wide, wide_lanes=2, max_batch=8)
    outputs = concurrently(
        model, [lambda v=v: model.generate(storage(v), [[SOT]]) for v in (1, 2, 3, 4)]
    )
    assert [out[0].total for out in outputs] == [6.0, 12.0, 18.0, 24.0]
    assert all(rows <= 2 for _, rows in narrow.calls + wide.calls)  # 4 requests, 2 lanes


@pytest.fixture(scope="module")
def batched_tiny(model_cache_dir: Path) -> Whisper:
    path = locate("tiny.en", model_cache_dir)
    return Whisper(str(path), device="cpu", compute_type="int8", cpu_threads=2, batch_requests=4)


@pytest.fixture(scope="module")
def alone_tiny(model_cache_dir: Path) -> Whisper:
    path = locate("tiny.en", model_cache_dir)
    return Whisper(str(path), device="cpu", compute_type="int8", cpu_threads=2)


def test_concurrent_transcriptions_read_as_they_do_alone(
    batched_tiny: Whisper,
    alone_tiny: Whisper,
    english_speech: GeneratedAudio,
    long_speech_wav: Path,
) -> None:
    """Short clips and a file of several windows (prompts with previous text) at once;
    without the fallback, whose random samples differ from run to run anyway."""
    with open(english_speech.path, "rb") as handle:
        short = decode_audio(handle).samples
    with open(long_speech_wav, "rb") as handle:
        long = decode_audio(handle).samples
    audios = [short, short[: len(short) // 2], short[len(short) // 3 :], long]
    options = DecodeOptions(language="en", fallback=False)
    alone = [transcribe(alone_tiny, audio, options).text for audio in audios]
    with ThreadPoolExecutor(len(audios)) as pool:
        together = list(
            pool.map(lambda a: transcribe(batched_tiny, a, options, threading.Event()).text, audios)
        )
    assert together == alone
    assert batched_tiny.batching is not None and batched_tiny.batching.stats().shared > 0
    assert batched_tiny.batching.stats().side_by_side > 0  # the wide model's texts too


@pytest.mark.timeout(30)
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_two_lanes_serve_every_call_when_one_takes_what_the_other_gathered() -> None:
    """With two CTranslate2 workers, a lane gathering for a batch may find the queue emptied
    by the other lane; it goes back to waiting instead of failing (its callers would hang)."""
    fake = FakeModel()
    model = batching(fake, lanes=2, max_batch=2, gather_seconds=0.3)
    for _ in range(3):
        outputs = concurrently(
            model, [lambda v=v: model.generate(storage(v), [[SOT]]) for v in (1, 2, 3, 4, 5)]
        )
        assert [out[0].total for out in outputs] == [6.0, 12.0, 18.0, 24.0, 30.0]


def test_a_lone_files_pieces_read_the_same_shared_out_to_the_replicas(
    batched_tiny: Whisper,
    alone_tiny: Whisper,
    long_speech_wav: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Long audio in batches of pieces, alone: its encoder passes, decodes and word
    alignments run on the replicas side by side, with the text of one model doing all."""
    with open(long_speech_wav, "rb") as handle:
        long = decode_audio(handle).samples
    options = DecodeOptions(
        language="en", fallback=False, batch_size=4, batch_min_seconds=0.0, word_timestamps=True
    )
    assert batched_tiny.batching is not None
    replicas = Recording(batched_tiny.batching.wide)
    monkeypatch.setattr(batched_tiny.batching, "wide", replicas)
    alone = transcribe(alone_tiny, long, options)
    shared = transcribe(batched_tiny, long, options)
    assert [s.text for s in shared.segments] == [s.text for s in alone.segments]
    assert [[w.word for w in s.words or ()] for s in shared.segments] == [
        [w.word for w in s.words or ()] for s in alone.segments
    ]
    assert {"encode", "generate", "align"} <= replicas.used


class Recording:
    """A model whose methods in use are recorded."""

    def __init__(self, model: t.Any) -> None:
        self.model = model
        self.used: set[str] = set()

    def __getattr__(self, name: str) -> t.Any:
        self.used.add(name)
        return getattr(self.model, name)
