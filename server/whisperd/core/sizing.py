"""How many inferences run at once and with how many threads, decided once at start.

One inference on every core is the default: it decodes a lone long file fastest. With
``workers = 0`` each core runs its own single-threaded inference (up to
:data:`MAX_AUTO_WORKERS`), which serves many concurrent short requests better; a GPU runs
one at a time either way. The measurements behind this choice are in bench/README.md
(section "Workers").
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from whisperd.engine.device import Device, resolve_compute_type, resolve_device
from whisperd.settings import Settings
from whisperd.store.manager import RuntimeOptions

MAX_AUTO_WORKERS = 4
AUTO_BATCH_REQUESTS = {"cpu": 8, "cuda": 1}  # batching is measured on CPU only


@dataclass(frozen=True)
class Sizing:
    device: Device
    compute_type: str
    workers: int
    cpu_threads: int  # per inference
    batch_requests: int = 1  # requests each worker decodes together
    batch_gather_seconds: float = 0.02

    @property
    def runtime(self) -> RuntimeOptions:
        return RuntimeOptions(
            self.device,
            self.compute_type,
            self.cpu_threads,
            self.workers,
            self.batch_requests,
            self.batch_gather_seconds,
        )

    @property
    def slots(self) -> int:
        """Requests that run at once: each worker's batch."""
        return self.workers * self.batch_requests


def size_for(settings: Settings, cores: int | None = None) -> Sizing:
    """The sizing ``settings`` ask for on this machine (``cores`` defaults to its count)."""
    cores = cores or os.cpu_count() or 1
    device = resolve_device(settings.device)
    if settings.workers > 0:
        workers = settings.workers
    elif device == "cuda":
        workers = 1
    else:
        workers = max(1, min(cores, MAX_AUTO_WORKERS))
    threads = settings.cpu_threads if settings.cpu_threads > 0 else max(1, cores // workers)
    batch = settings.batch_requests if settings.batch_requests > 0 else AUTO_BATCH_REQUESTS[device]
    compute_type = resolve_compute_type(settings.compute_type, device)
    return Sizing(device, compute_type, workers, threads, batch, settings.batch_wait_ms / 1000)
