"""Scheduling inference off the event loop, a bounded number at a time, first come first served.

Inference is CPU- (or GPU-) bound and blocking, so it runs in a small thread pool sized to
the engine's workers; the event loop only waits. Requests beyond the running ones wait in a
FIFO queue of bounded length; a request that finds the queue full is refused at once
(:class:`QueueFullError`, answered 429). A slot is released when its thread finishes, not
when its client goes away, so cancelled work never lets more threads run than the cores
were sized for; cancelling sets the job's flag so the thread stops at its next check.

Once no job has run for a second, the memory the jobs freed is given back to the system.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from whisperd.engine import allocator

T = TypeVar("T")

# Inference frees hundreds of MiB of buffers that glibc keeps for reuse, scattered through
# its arenas; under load that is what the next batch reuses, once idle it is given back.
_TRIM_AFTER_IDLE_SECONDS = 1.0

_END = object()


class QueueFullError(Exception):
    """Every worker is busy and the waiting queue is full."""


@dataclass(frozen=True)
class QueueStats:
    workers: int
    running: int
    waiting: int
    max_queue: int
    completed: int


class Ticket:
    """A place in the queue, taken when a request arrives. Work starts in ticket order:
    a request still preparing (decoding its audio) keeps its place."""

    def __init__(self, runner: Scheduler) -> None:
        self._runner = runner
        self.ready = False  # prepared, waiting only for a worker
        self.granted = asyncio.Event()
        self.started = False
        self.closed = False

    def close(self) -> None:
        """Give the place (or an unused worker) back; safe to call more than once."""
        if self.closed:
            return
        self.closed = True
        self._runner._forget(self)


class Scheduler:
    def __init__(self, workers: int = 1, max_queue: int = 16) -> None:
        self.workers = max(1, workers)
        self.max_queue = max(0, max_queue)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="whisperd-infer")
        self._queue: deque[Ticket] = deque()
        self._free = self.workers
        self._active: set[threading.Event] = set()
        self.running = 0
        self.completed = 0
        self._mean_job_seconds = 2.0

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def stats(self) -> QueueStats:
        return QueueStats(self.workers, self.running, self.waiting, self.max_queue, self.completed)

    def is_full(self) -> bool:
        """Whether a new request would have to wait behind ``max_queue`` others (queued
        requests take the free workers first)."""
        return len(self._queue) - self._free >= self.max_queue

    def retry_after_seconds(self) -> int:
        """A guess at when a slot frees up: the queue ahead times the mean job length."""
        ahead = (self.waiting + self.running) / self.workers
        return max(1, min(60, math.ceil(ahead * self._mean_job_seconds)))

    def ticket(self, *, beyond_limit: bool = False) -> Ticket:
        """Take a place in the queue now, or raise :class:`QueueFullError`; ``beyond_limit``
        work (a live turn's final decode, bounded by the session limit) always gets one."""
        if self.is_full() and not beyond_limit:
            raise QueueFullError()
        ticket = Ticket(self)
        self._queue.append(ticket)
        return ticket

    async def _admit(self, ticket: Ticket) -> None:
        """Wait for a worker, in ticket order."""
        ticket.ready = True
        self._dispatch()
        try:
            await ticket.granted.wait()
        except BaseException:
            ticket.close()
            raise
        ticket.started = True
        self.running += 1

    def _dispatch(self) -> None:
        while self._free > 0 and self._queue and self._queue[0].ready:
            self._free -= 1
            self._queue.popleft().granted.set()

    def _forget(self, ticket: Ticket) -> None:
        if ticket in self._queue:
            self._queue.remove(ticket)
        elif ticket.granted.is_set() and not ticket.started:
            self._free += 1  # granted a worker it will never use
        self._dispatch()

    def _start(self, cancel: threading.Event) -> Callable[[object], None]:
        """Track a started job; the returned callback releases its slot when its thread ends."""
        self._active.add(cancel)
        started = time.monotonic()

        def finished(future: object) -> None:
            if isinstance(future, asyncio.Future) and not future.cancelled():
                future.exception()  # seen here: a cancelled caller may never ask for it
            self._active.discard(cancel)
            self.running -= 1
            self.completed += 1
            elapsed = time.monotonic() - started
            self._mean_job_seconds = 0.8 * self._mean_job_seconds + 0.2 * elapsed
            self._free += 1
            self._dispatch()
            if self._idle():
                self._trim_when_idle(self.completed)

        return finished

    def _idle(self) -> bool:
        return self.running == 0 and not self._queue

    def _trim_when_idle(self, completed: int) -> None:
        """Give freed memory back if, a moment from now, no job has started or run since."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # finished outside the event loop (its future never ran)
            return

        def trim_if_idle() -> None:
            if self._idle() and self.completed == completed:
                with contextlib.suppress(RuntimeError):  # the loop is shutting down
                    loop.run_in_executor(None, allocator.trim)

        loop.call_later(_TRIM_AFTER_IDLE_SECONDS, trim_if_idle)

    async def run(self, work: Callable[[threading.Event], T], ticket: Ticket | None = None) -> T:
        """Run ``work(cancel)`` in a worker thread and return its result.

        If the awaiting task is cancelled (its client went away), ``cancel`` is set so the
        work stops at its next check; a job still queued just leaves the queue.
        """
        await self._admit(ticket or self.ticket())
        cancel = threading.Event()
        loop = asyncio.get_running_loop()
        finished = self._start(cancel)
        try:
            future = loop.run_in_executor(self._executor, work, cancel)
        except BaseException:
            finished(None)
            raise
        future.add_done_callback(finished)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            cancel.set()
            raise

    async def stream(
        self,
        work: Callable[[threading.Event, Callable[[T], None]], None],
        ticket: Ticket | None = None,
    ) -> AsyncIterator[T]:
        """Run ``work(cancel, emit)`` in a worker thread, yielding what it emits as it does.

        Closing or cancelling the iterator early (the client went away) sets ``cancel``.
        """
        await self._admit(ticket or self.ticket())
        queue: asyncio.Queue[object] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        cancel = threading.Event()

        def emit(item: T) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def body(cancel: threading.Event) -> None:
            try:
                work(cancel, emit)
            except BaseException as exc:
                loop.call_soon_threadsafe(queue.put_nowait, _Failure(exc))
            else:
                loop.call_soon_threadsafe(queue.put_nowait, _END)

        finished = self._start(cancel)
        try:
            future = loop.run_in_executor(self._executor, body, cancel)
        except BaseException:
            finished(None)
            raise
        future.add_done_callback(finished)
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                yield item  # type: ignore[misc]
        finally:
            cancel.set()

    def cancel_all(self) -> int:
        """Ask every running job to stop (server shutdown); returns how many were asked."""
        active = list(self._active)
        for cancel in active:
            cancel.set()
        return len(active)

    def shutdown(self, wait: bool = True) -> None:
        self.cancel_all()
        self._executor.shutdown(wait=wait, cancel_futures=True)


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error
