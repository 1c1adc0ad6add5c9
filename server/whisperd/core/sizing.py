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


@dataclass(frozen=True)
class Sizing:
    device: Device
    compute_type: str
    workers: int
    cpu_threads: int  # per inference

    @property
    def runtime(self) -> RuntimeOptions:
        return RuntimeOptions(self.device, self.compute_type, self.cpu_threads, self.workers)


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
    return Sizing(device, resolve_compute_type(settings.compute_type, device), workers, threads)
