"""The inference queue on its own: arrival order, bounded waiting, and a slot given back
exactly once whatever happens to the request holding it."""

from __future__ import annotations

import asyncio
import threading
import time
import typing as t

import pytest
from whisperd.core import scheduler as scheduler_module
from whisperd.core.scheduler import QueueFullError, Scheduler


def run(coroutine: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    return asyncio.run(coroutine)


class Gate:
    """Work that blocks its worker thread until opened, recording the order it ran in."""

    def __init__(self, order: list[int], index: int) -> None:
        self.order = order
        self.index = index
        self.opened = threading.Event()
        self.cancelled = False

    def __call__(self, cancel: threading.Event) -> int:
        self.order.append(self.index)
        while not self.opened.wait(0.01):
            if cancel.is_set():
                self.cancelled = True
                return -1
        return self.index


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0.01)


def test_work_starts_in_ticket_order() -> None:
    async def scenario() -> list[int]:
        scheduler = Scheduler(workers=1, max_queue=8)
        order: list[int] = []
        gates = [Gate(order, index) for index in range(4)]
        tickets = [scheduler.ticket() for _ in gates]
        # Admitted in reverse: work still waits for the tickets taken before it.
        tasks = [
            asyncio.ensure_future(scheduler.run(gates[i], tickets[i])) for i in reversed(range(4))
        ]
        for gate in gates:
            await settle()
            gate.opened.set()
        await asyncio.gather(*tasks)
        scheduler.shutdown()
        return order

    assert run(scenario()) == [0, 1, 2, 3]


def test_a_full_queue_refuses_at_once() -> None:
    async def scenario() -> None:
        scheduler = Scheduler(workers=1, max_queue=1)
        first, second = scheduler.ticket(), scheduler.ticket()  # one runs, one waits
        with pytest.raises(QueueFullError):
            scheduler.ticket()
        first.close()
        scheduler.ticket()  # the freed place is taken again
        second.close()
        scheduler.shutdown()

    run(scenario())


def test_stats_count_running_and_waiting() -> None:
    async def scenario() -> tuple[int, int, int, int]:
        scheduler = Scheduler(workers=1, max_queue=4)
        order: list[int] = []
        gates = [Gate(order, 0), Gate(order, 1)]
        tasks = [asyncio.ensure_future(scheduler.run(gate)) for gate in gates]
        await settle()
        busy = scheduler.stats()
        for gate in gates:
            gate.opened.set()
        await asyncio.gather(*tasks)
        idle = scheduler.stats()
        scheduler.shutdown()
        return busy.running, busy.waiting, idle.running, idle.completed

    assert run(scenario()) == (1, 1, 0, 2)


def test_cancelled_while_queued_leaves_the_queue() -> None:
    async def scenario() -> tuple[int, list[int]]:
        scheduler = Scheduler(workers=1, max_queue=4)
        order: list[int] = []
        running, queued = Gate(order, 0), Gate(order, 1)
        first = asyncio.ensure_future(scheduler.run(running))
        second = asyncio.ensure_future(scheduler.run(queued))
        await settle()
        second.cancel()
        await settle()
        waiting = scheduler.stats().waiting
        running.opened.set()
        await first
        scheduler.shutdown()
        return waiting, order

    waiting, order = run(scenario())
    assert waiting == 0
    assert order == [0]  # the cancelled work never ran


def test_cancelled_while_running_stops_the_work_and_frees_the_slot() -> None:
    async def scenario() -> tuple[bool, int, int]:
        scheduler = Scheduler(workers=1, max_queue=4)
        order: list[int] = []
        gate = Gate(order, 0)
        task = asyncio.ensure_future(scheduler.run(gate))
        await settle()
        task.cancel()
        for _ in range(100):
            if scheduler.stats().running == 0:
                break
            await asyncio.sleep(0.01)
        stats = scheduler.stats()
        follow_up = Gate(order, 1)
        follow_up.opened.set()
        result = await scheduler.run(follow_up)
        scheduler.shutdown()
        return gate.cancelled, stats.running, result

    assert run(scenario()) == (True, 0, 1)


def test_closing_a_ticket_twice_gives_back_one_place() -> None:
    async def scenario() -> int:
        scheduler = Scheduler(workers=1, max_queue=1)
        ticket = scheduler.ticket()
        ticket.close()
        ticket.close()
        scheduler.ticket()
        scheduler.ticket()
        with pytest.raises(QueueFullError):
            scheduler.ticket()
        scheduler.shutdown()
        return scheduler.stats().waiting

    assert run(scenario()) == 2


def test_closing_a_stream_early_cancels_its_work() -> None:
    async def scenario() -> tuple[list[int], int]:
        scheduler = Scheduler(workers=1, max_queue=4)
        stopped = threading.Event()

        def work(cancel: threading.Event, emit: t.Callable[[int], None]) -> None:
            for index in range(1000):
                if cancel.wait(0.01):
                    stopped.set()
                    return
                emit(index)

        received: list[int] = []
        stream = scheduler.stream(work)
        async for item in stream:
            received.append(item)
            if len(received) == 3:
                break
        await stream.aclose()
        await asyncio.to_thread(stopped.wait, 5)
        for _ in range(100):
            if scheduler.stats().running == 0:
                break
            await asyncio.sleep(0.01)
        running = scheduler.stats().running
        scheduler.shutdown()
        return received, running

    received, running = run(scenario())
    assert received == [0, 1, 2]
    assert running == 0


def test_failures_in_work_reach_the_caller() -> None:
    async def scenario() -> None:
        scheduler = Scheduler(workers=1, max_queue=4)

        def work(_cancel: threading.Event) -> None:
            raise ValueError("broken")

        with pytest.raises(ValueError, match="broken"):
            await scheduler.run(work)
        assert scheduler.stats().running == 0
        scheduler.shutdown()

    run(scenario())


def counting_trims(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Trims the scheduler asks for, each at the time it ran; idle means 50 ms here."""
    trims: list[float] = []
    monkeypatch.setattr(scheduler_module, "_TRIM_AFTER_IDLE_SECONDS", 0.05)
    monkeypatch.setattr(scheduler_module.allocator, "trim", lambda: trims.append(time.monotonic()))
    return trims


def test_freed_memory_is_given_back_once_the_queue_has_been_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trims = counting_trims(monkeypatch)

    async def scenario() -> float:
        scheduler = Scheduler(workers=2, max_queue=8)
        await asyncio.gather(*(scheduler.run(lambda cancel: None) for _ in range(3)))
        finished = time.monotonic()
        await asyncio.sleep(0.3)
        scheduler.shutdown()
        return finished

    finished = run(scenario())
    assert len(trims) == 1  # once, however many jobs ended
    assert trims[0] - finished >= 0.04  # not before the queue had been idle a while


def test_no_trim_while_work_keeps_arriving(monkeypatch: pytest.MonkeyPatch) -> None:
    trims = counting_trims(monkeypatch)

    async def scenario() -> int:
        scheduler = Scheduler(workers=1, max_queue=8)
        for _ in range(10):  # a job every 20 ms: never 50 ms without one
            await scheduler.run(lambda cancel: None)
            await asyncio.sleep(0.02)
        during = len(trims)
        await asyncio.sleep(0.3)
        scheduler.shutdown()
        return during

    assert run(scenario()) == 0
    assert len(trims) == 1
