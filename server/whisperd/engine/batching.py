"""Decoding concurrent requests together: their model calls gathered into one CTranslate2 call.

Each request keeps its own faster-whisper decoding loop (its previous-text prompt, its
fallback ladder, its timestamps), so its text is what it would be alone. Only the calls into
the model meet here: the ``generate`` and ``detect_language`` calls that threads make at
about the same time are stacked along the batch axis, run as one call, and split back; a
CPU runs a beam search over a batch of windows in less time than over each in turn.
Encoder passes are queued in the same order but run one by one (see ``_SHARED_STEPS``).

A *lane* is a thread that runs batches, one per CTranslate2 worker. A lane takes the oldest
waiting call and every waiting call it can join (same method, same options, and for
``generate`` the start-of-transcript token at the same position, which CTranslate2 needs), up
to ``max_batch`` rows. When other requests are transcribing but not yet waiting, it waits up
to ``gather_seconds`` for them; a lone request never waits. Calls that cannot share
(sampling, which each request seeds on its own, and word alignment) go straight to the model.

Side by side: a *wide* model (the same weights, one single-threaded replica per core) lets
one lane per core run at once. Lanes use it while more than one request transcribes, and
then share the requests: each batch holds at most its lane's share of them. A lone request
keeps the model with every thread, except for its calls of several rows (long audio's
pieces), which are shared out to the replicas, encoder passes a window at a time. The two
models never run at the same time, so no core is given two threads. On a CPU, one encoder
pass per core at a time costs less than the same passes one by one on all cores (a 30 s
window's attention does not split well across threads), which batching cannot give:
stacked encoder passes cost more each.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import ctranslate2
import numpy as np

from whisperd.engine.sampling import samples

Method = Literal["encode", "generate", "detect_language"]

_IDLE_SECONDS = 5.0  # a lane with nothing to do ends; the next call starts one again
# A batch of encoder passes costs more CPU time than the passes one by one (attention over
# 1500 frames per window), so encoding only keeps its place in the queue.
_SHARED_STEPS: frozenset[Method] = frozenset({"detect_language", "generate"})
_STEP: dict[Method, int] = {"encode": 0, "detect_language": 1, "generate": 2}  # within a window
_MIXED = -2  # prompts of one call disagree on where the transcript starts: it joins no other


@dataclass(eq=False)
class _Call:
    method: Method
    key: tuple[object, ...]
    features: Any  # a StorageView of ``rows`` items
    rows: int
    prompts: list[list[int]] | None
    kwargs: dict[str, Any]
    order: int  # arrival
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


@dataclass(frozen=True)
class BatchStats:
    calls: int  # model calls made by lanes
    rows: int  # items in them
    shared: int  # calls that held more than one request's rows
    side_by_side: int = 0  # calls run on the wide model, beside other lanes' work


class BatchingModel:
    """CTranslate2's Whisper model, with concurrent threads' calls gathered into batches;
    everything else passes through."""

    def __init__(
        self,
        model: Any,
        *,
        sot_token: int,
        max_batch: int,
        gather_seconds: float = 0.02,
        lanes: int = 1,
        wide: Any = None,
        wide_lanes: int = 1,
    ) -> None:
        self.wrapped = model
        self.wide = wide
        self.wide_lanes = max(1, wide_lanes) if wide is not None else 0
        self.sot_token = sot_token
        self.max_batch = max(1, max_batch)
        self.gather_seconds = max(0.0, gather_seconds)
        self.lanes = max(1, lanes)
        self._cond = threading.Condition()
        self._pending: deque[_Call] = deque()
        self._running_lanes = 0
        self._running_batches = 0
        self._narrow_running = False
        self._participants = 0  # threads in a transcription
        self._busy = 0  # threads inside a model call (waiting or running)
        self._calls = self._rows = self._shared = self._side_by_side = 0
        self._arrivals = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def stats(self) -> BatchStats:
        with self._cond:
            return BatchStats(self._calls, self._rows, self._shared, self._side_by_side)

    # A request takes part from its first model call to its last; lanes wait for participants.
    def join(self) -> None:
        with self._cond:
            self._participants += 1

    def leave(self) -> None:
        with self._cond:
            self._participants = max(0, self._participants - 1)
            self._cond.notify_all()

    def encode(self, features: Any, to_cpu: bool = False) -> Any:
        return self._submit("encode", features, None, {"to_cpu": to_cpu})

    def detect_language(self, features: Any, **kwargs: Any) -> Any:
        return self._submit("detect_language", features, None, kwargs)

    def generate(self, features: Any, prompts: Sequence[Sequence[int]], **kwargs: Any) -> Any:
        if samples(kwargs) or kwargs.get("asynchronous"):
            return self._direct(lambda model: model.generate(features, prompts, **kwargs))
        return self._submit("generate", features, [list(p) for p in prompts], kwargs)

    def align(
        self,
        features: Any,
        start_sequence: list[int],
        text_tokens: list[list[int]],
        num_frames: int | list[int],
        **kwargs: Any,
    ) -> Any:
        def align(model: Any) -> Any:
            rows = len(text_tokens)
            if not self._shares_out(model, rows):
                return model.align(features, start_sequence, text_tokens, num_frames, **kwargs)
            # A lone request's rows (long audio's pieces): side by side, as its decodes.
            array = np.asarray(features)
            return self._share_out(
                rows,
                lambda a, b: list(
                    self.wide.align(
                        _rows(array, a, b),
                        start_sequence,
                        text_tokens[a:b],
                        num_frames[a:b] if isinstance(num_frames, list) else num_frames,
                        **kwargs,
                    )
                ),
            )

        return self._direct(align)

    def _direct(self, call: Callable[[Any], Any]) -> Any:
        """A call that joins no batch, on the wide model beside other requests' calls."""
        with self._cond:
            model = self.wide if self._beside(0) else self.wrapped
            self._busy += 1
        try:
            return call(model)
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def _submit(
        self, method: Method, features: Any, prompts: list[list[int]] | None, kwargs: dict[str, Any]
    ) -> Any:
        rows = int(features.shape[0])
        position = _sot_position(prompts, self.sot_token)
        # Calls stack only with calls of the same shape (a short first window's encoder
        # input and output are shorter than a whole window's).
        shape = tuple(int(size) for size in features.shape[1:])
        key = (method, shape, position if position != _MIXED else object(), _frozen(kwargs))
        with self._cond:
            self._arrivals += 1
            call = _Call(method, key, features, rows, prompts, kwargs, self._arrivals)
            self._pending.append(call)
            self._busy += 1
            if self._running_lanes < max(self.lanes, self.wide_lanes):
                self._running_lanes += 1
                threading.Thread(target=self._lane, name="whisperd-batch", daemon=True).start()
            self._cond.notify_all()
        call.done.wait()
        if call.error is not None:
            raise call.error
        return call.result

    def _lane(self) -> None:
        while True:
            with self._cond:
                batch = self._next_batch()
                if batch is None:
                    self._running_lanes -= 1
                    return
                wide = self._start_batch(sum(call.rows for call in batch))
            try:
                self._run(batch, self.wide if wide else self.wrapped)
            finally:
                with self._cond:
                    self._running_batches -= 1
                    if not wide:
                        self._narrow_running = False
                    self._side_by_side += wide
                    self._cond.notify_all()

    def _start_batch(self, rows: int) -> bool:
        """Wait until a batch of ``rows`` may run and say on which model (True: the wide
        one). Side by side only while other requests' calls wait or run beside it; the model
        with every thread otherwise. The two never overlap, so no core runs two threads (the
        condition's lock is held)."""
        while True:
            wide = self._beside(rows)
            if wide and not self._narrow_running:
                break
            if not wide and self._running_batches == 0:
                self._narrow_running = True
                break
            self._cond.wait()
        self._running_batches += 1
        return wide

    def _beside(self, own: int) -> bool:
        """Whether a call of ``own`` counted rows runs on the wide model: other requests'
        calls wait or run beside it (the condition's lock is held)."""
        others = self._busy > own or self._running_batches > 0
        return self.wide is not None and self._participants > 1 and others

    def _shares_out(self, model: Any, rows: int) -> bool:
        """Whether a call of ``rows`` chosen to run on ``model`` is a lone request's call of
        several rows, shared out to the wide model's replicas instead."""
        return model is self.wrapped and self.wide is not None and rows > 1

    def _batch_limit(self) -> int:
        """Rows one batch may hold: with the wide model, a lane's share of the requests."""
        if self.wide is None:
            return self.max_batch
        share = -(-self._participants // self.wide_lanes)
        return max(1, min(self.max_batch, share))

    def _next_batch(self) -> list[_Call] | None:
        """Once every transcribing thread is waiting in a call (or the gather window is
        over), the calls of the earliest step and those that can join them (the condition's
        lock is held). Running the earliest step first lets requests that are behind catch
        up, so the next step's calls of all of them meet in one batch."""
        idle_until = time.monotonic() + _IDLE_SECONDS
        while True:
            while not self._pending:
                remaining = idle_until - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            batch = self._gather()
            if batch:
                break  # else another lane took the calls while this one waited
        for call in batch:
            self._pending.remove(call)
        return batch

    def _gather(self) -> list[_Call]:
        """The earliest step's calls and those that can join them, once the batch is full,
        every transcribing thread is waiting in a call, or the gather window is over (empty
        when other lanes took every call meanwhile)."""
        deadline = time.monotonic() + self.gather_seconds
        while self._pending:
            head = min(self._pending, key=lambda call: (_STEP[call.method], call.order))
            limit = self._batch_limit()
            batch = self._joinable(head, limit)
            coming = self._participants - self._busy
            remaining = deadline - time.monotonic()
            if sum(call.rows for call in batch) >= limit or coming <= 0 or remaining <= 0:
                return batch
            self._cond.wait(remaining)
        return []

    def _joinable(self, head: _Call, limit: int) -> list[_Call]:
        batch, rows = [head], head.rows
        if head.method not in _SHARED_STEPS:
            return batch
        for call in self._pending:
            if call is head or call.key != head.key:
                continue
            if rows + call.rows > limit:
                break
            batch.append(call)
            rows += call.rows
        return batch

    def _run(self, batch: list[_Call], model: Any) -> None:
        try:
            if len(batch) == 1 and self._shares_out(model, batch[0].rows):
                self._run_split(batch[0])
            elif len(batch) == 1:
                call = batch[0]
                call.result = _call(model, call.method, call.features, call.prompts, call.kwargs)
            else:
                self._run_together(batch, model)
        except BaseException as exc:  # each caller sees its own call's failure
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for call in batch:  # one bad call must not fail the others
                    self._run([call], model)
                return
        with self._cond:
            self._calls += 1
            self._rows += sum(call.rows for call in batch)
            self._shared += len(batch) > 1
            # Its callers count as coming from now on: the next batch may wait for them.
            self._busy -= len(batch)
            self._cond.notify_all()
        for call in batch:
            call.done.set()

    def _run_split(self, call: _Call) -> None:
        """A lone request's call of several rows (long audio's pieces), its rows shared out
        to the wide model's replicas and run side by side: on a CPU that beats one call over
        all of them on every thread, as for concurrent requests."""
        array = np.asarray(call.features)
        if call.method == "encode":  # a window at a time: stacked, each costs more
            kwargs = dict(call.kwargs, to_cpu=True)
            outputs = self._share_out(
                call.rows,
                lambda a, b: [
                    np.asarray(_call(self.wide, "encode", _rows(array, r, r + 1), None, kwargs))
                    for r in range(a, b)
                ],
            )
            call.result = ctranslate2.StorageView.from_array(
                np.ascontiguousarray(np.concatenate(outputs))
            )
        else:
            prompts = call.prompts
            call.result = self._share_out(
                call.rows,
                lambda a, b: list(
                    _call(
                        self.wide,
                        call.method,
                        _rows(array, a, b),
                        prompts[a:b] if prompts is not None else None,
                        call.kwargs,
                    )
                ),
            )

    def _share_out(self, rows: int, part: Callable[[int, int], list[Any]]) -> list[Any]:
        """``part(a, b)``, the results of rows ``a`` to ``b``, for one share of ``rows`` per
        replica of the wide model, run at once; every row's result, in order."""
        parts = min(self.wide_lanes, rows)
        bounds = [rows * i // parts for i in range(parts + 1)]
        results: list[list[Any]] = [[] for _ in range(parts)]
        errors: list[BaseException] = []

        def run(i: int) -> None:
            try:
                results[i] = part(bounds[i], bounds[i + 1])
            except BaseException as exc:  # raised in the caller below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(1, parts)]
        for thread in threads:
            thread.start()
        run(0)
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return [row for result in results for row in result]

    def _run_together(self, batch: list[_Call], model: Any) -> None:
        head = batch[0]
        kwargs = dict(head.kwargs)
        if head.method == "encode":
            kwargs["to_cpu"] = True  # split on the host, whatever the device
        stacked = np.concatenate([np.asarray(call.features) for call in batch])
        features = ctranslate2.StorageView.from_array(np.ascontiguousarray(stacked))
        prompts = None
        if head.prompts is not None:
            prompts = [prompt for call in batch for prompt in call.prompts or ()]
        result = _call(model, head.method, features, prompts, kwargs)
        start = 0
        for call in batch:
            end = start + call.rows
            if head.method == "encode":
                call.result = _rows(np.asarray(result), start, end)
            else:
                call.result = list(result[start:end])
            start = end


def _rows(array: np.ndarray, start: int, end: int) -> Any:
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(array[start:end]))


def _call(
    model: Any,
    method: Method,
    features: Any,
    prompts: list[list[int]] | None,
    kwargs: dict[str, Any],
) -> Any:
    if method == "encode":
        return model.encode(features, **kwargs)
    if method == "detect_language":
        return model.detect_language(features, **kwargs)
    return model.generate(features, prompts, **kwargs)


def _sot_position(prompts: list[list[int]] | None, sot_token: int) -> int:
    """Where the start-of-transcript token is; CTranslate2 batches prompts only when it is
    at the same place in all of them."""
    if not prompts:
        return -1
    positions = {prompt.index(sot_token) if sot_token in prompt else -1 for prompt in prompts}
    return positions.pop() if len(positions) == 1 else _MIXED


def _frozen(kwargs: dict[str, Any]) -> tuple[tuple[str, object], ...]:
    return tuple(
        sorted(
            (name, tuple(value) if isinstance(value, list) else value)
            for name, value in kwargs.items()
        )
    )
