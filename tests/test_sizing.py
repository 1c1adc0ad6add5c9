"""How many inferences run at once, with how many threads each."""

from __future__ import annotations

from whisperd.core.sizing import MAX_AUTO_WORKERS, size_for
from whisperd.settings import Settings


def test_default_is_one_worker_on_every_core() -> None:
    sizing = size_for(Settings(device="cpu"), cores=8)
    assert (sizing.workers, sizing.cpu_threads) == (1, 8)


def test_zero_workers_is_one_single_thread_worker_per_core_on_cpu() -> None:
    sizing = size_for(Settings(device="cpu", workers=0), cores=2)
    assert (sizing.workers, sizing.cpu_threads) == (2, 1)


def test_zero_workers_stops_at_the_automatic_maximum() -> None:
    sizing = size_for(Settings(device="cpu", workers=0), cores=16)
    assert sizing.workers == MAX_AUTO_WORKERS
    assert sizing.cpu_threads == 16 // MAX_AUTO_WORKERS


def test_explicit_threads_are_kept() -> None:
    sizing = size_for(Settings(device="cpu", workers=2, cpu_threads=3), cores=2)
    assert (sizing.workers, sizing.cpu_threads) == (2, 3)


def test_cpu_runs_int8_by_default() -> None:
    assert size_for(Settings(device="cpu")).compute_type == "int8"


def test_auto_device_on_a_machine_without_cuda_is_the_cpu() -> None:
    assert size_for(Settings(device="auto")).device == "cpu"
