"""When a live session may decode a partial: only on an idle worker, never ahead of a final."""

from __future__ import annotations

from whisperd.core.scheduler import QueueStats
from whisperd.live.transcriber import partial_may_run


def queue(running: int = 0, waiting: int = 0, slots: int = 8) -> QueueStats:
    """The scheduler's figures; ``slots`` is workers × batch requests (8 on CPU by default)."""
    return QueueStats(workers=slots, running=running, waiting=waiting, max_queue=16, completed=0)


def test_an_idle_server_decodes_a_partial() -> None:
    assert partial_may_run(queue(), workers=1, finals_pending=False)


def test_a_running_request_keeps_the_only_worker_busy_even_with_free_batch_slots() -> None:
    assert not partial_may_run(queue(running=1), workers=1, finals_pending=False)


def test_a_second_worker_may_take_a_partial_while_the_first_decodes() -> None:
    assert partial_may_run(queue(running=1, slots=2), workers=2, finals_pending=False)


def test_no_partial_while_a_request_waits() -> None:
    assert not partial_may_run(queue(waiting=1), workers=2, finals_pending=False)


def test_no_partial_while_the_session_s_own_finals_are_pending() -> None:
    # between two of its finals the worker may be free for a moment; the next final comes first
    assert not partial_may_run(queue(), workers=1, finals_pending=True)
