"""What machine and software a result was measured on, and how busy the machine was.

Figures from a shared machine mean little, so every run records the CPU time that processes
*other than the benchmark and its servers* used while it ran ("foreign load", in cores). A
result whose foreign load is above :data:`QUIET_FOREIGN_LOAD` is labelled contaminated.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
QUIET_FOREIGN_LOAD = 0.2  # cores busy with other work, averaged over the run
PACKAGES = ("faster-whisper", "ctranslate2", "av", "numpy", "onnxruntime", "uvicorn", "connexion")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, object]:
    return {
        "host": socket.gethostname(),
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_bytes": psutil.virtual_memory().total,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    found = {}
    for name in (*PACKAGES, "whisperd"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_state() -> dict[str, object]:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD") or "unknown",
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def _busy_cpu_seconds() -> float:
    """CPU seconds not idle, machine-wide. Linux counts guest time inside user time, so it is
    not added again; steal (another virtual machine on our cores) counts as busy."""
    times = psutil.cpu_times()
    fields = ("user", "nice", "system", "irq", "softirq", "steal")
    return sum(getattr(times, name, 0.0) for name in fields)


def _own_cpu_seconds() -> float:
    """This process and every child it has waited for (the servers it started and stopped)."""
    times = psutil.Process().cpu_times()
    return times.user + times.system + times.children_user + times.children_system


@dataclass
class LoadMeter:
    """Measures the CPU the rest of the machine used between :meth:`start` and :meth:`stop`.

    Servers still running at :meth:`stop` are not yet counted as children, so stop them
    first (the benchmark does).
    """

    started: float = 0.0
    busy: float = 0.0
    own: float = 0.0
    loadavg_start: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def start(self) -> None:
        self.started = time.monotonic()
        self.busy = _busy_cpu_seconds()
        self.own = _own_cpu_seconds()
        self.loadavg_start = os.getloadavg()

    def stop(self) -> dict[str, Any]:
        wall = max(time.monotonic() - self.started, 1e-9)
        busy = _busy_cpu_seconds() - self.busy
        own = _own_cpu_seconds() - self.own
        foreign = max(0.0, busy - own) / wall
        return {
            "wall_seconds": wall,
            "benchmark_cores": own / wall,
            "foreign_cores": foreign,
            "loadavg_at_start": list(self.loadavg_start),
            "loadavg_at_end": list(os.getloadavg()),
            "contaminated": foreign > QUIET_FOREIGN_LOAD,
            "threshold_cores": QUIET_FOREIGN_LOAD,
        }
