"""Running inference off the event loop, a bounded number at a time, first come first served.

Inference is CPU- (or GPU-) bound and blocking, so it runs in a small thread pool sized to
the engine's workers; the event loop only waits. Requests beyond the running ones wait in a
FIFO queue of bounded length; a request that finds the queue full is refused at once
(:class:`QueueFullError`, answered 429). A slot is released when its thread finishes, not
when its client goes away, so cancelled work never lets more threads run than the cores
were sized for.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_END = object()


class QueueFullError(Exception):
    """Every worker is busy and the waiting queue is full."""


class InferenceRunner:
    def __init__(self, workers: int = 1, max_queue: int = 16) -> None:
        self.workers = max(1, workers)
        self.max_queue = max(0, max_queue)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="whisperd-infer")
        self._slots: asyncio.Semaphore | None = None
        self.waiting = 0
        self.running = 0

    @property
    def slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        return self._slots

    def reserve(self) -> None:
        """Take a place in the queue now, or raise :class:`QueueFullError`."""
        if self.waiting >= self.max_queue and self.slots.locked():
            raise QueueFullError()
        self.waiting += 1

    async def _acquire_reserved(self) -> None:
        try:
            await self.slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1

    def _release(self) -> None:
        self.running -= 1
        self.slots.release()

    async def run(self, work: Callable[[threading.Event], T], *, reserved: bool = False) -> T:
        """Run ``work(cancel)`` in a worker thread and return its result.

        If the awaiting task is cancelled, ``cancel`` is set so the work stops at its next
        check; its slot is freed when the thread returns.
        """
        if not reserved:
            self.reserve()
        await self._acquire_reserved()
        cancel = threading.Event()
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, work, cancel)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(lambda _: self._release())
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            cancel.set()
            raise

    async def stream(
        self,
        work: Callable[[threading.Event, Callable[[T], None]], None],
        *,
        reserved: bool = False,
    ) -> AsyncIterator[T]:
        """Run ``work(cancel, emit)`` in a worker thread, yielding what it emits as it does.

        Closing the iterator early (the client went away) sets ``cancel``.
        """
        if not reserved:
            self.reserve()
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

        await self._acquire_reserved()
        try:
            future = loop.run_in_executor(self._executor, body, cancel)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(lambda _: self._release())
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

    def shutdown(self, wait: bool = False) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=True)


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error
