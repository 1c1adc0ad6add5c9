"""A whisperd server subprocess as a user runs it, plus what the benchmark reads from it:
how long it takes to answer ``/ready``, and its resident memory (sampled, and the kernel's
own high-water mark, ``VmHWM``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx
import psutil

READY_POLL_SECONDS = 0.02
RSS_SAMPLE_SECONDS = 0.1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerFailed(Exception):
    """The server exited or never became ready; the message holds its log's tail."""


class Server:
    """``python -m whisperd --port <free> --model <id> [flags]``, started at construction.

    The cache directory is passed through ``WHISPERD_CACHE_DIR`` so the server finds the
    model the benchmark has already assembled there (the "model in cache" startup case).
    """

    def __init__(self, model: str, cache_dir: Path, log_path: Path, flags: list[str]) -> None:
        self.model = model
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        environment = dict(os.environ, WHISPERD_CACHE_DIR=str(cache_dir), PYTHONUNBUFFERED="1")
        command = [sys.executable, "-m", "whisperd", "--port", str(self.port), "--model", model]
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [*command, *flags], stdout=self._log, stderr=subprocess.STDOUT, env=environment
        )
        self.ps = psutil.Process(self.process.pid)
        self.seconds_to_health: float | None = None
        self.seconds_to_ready: float | None = None
        self._sampler = RssSampler(self.ps)

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Poll until ``/ready`` answers 200; returns seconds since the process started."""
        deadline = self.started + timeout
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ServerFailed(
                        f"whisperd exited with {self.process.returncode}:\n{self.log_tail()}"
                    )
                try:
                    status = client.get("/ready").status_code
                except httpx.HTTPError:
                    status = None
                now = time.monotonic() - self.started
                if status is not None and self.seconds_to_health is None:
                    self.seconds_to_health = now  # it accepts connections
                if status == 200:
                    self.seconds_to_ready = now
                    self._sampler.start()
                    return now
                time.sleep(READY_POLL_SECONDS)
        raise ServerFailed(f"whisperd was not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def rss(self) -> int:
        return int(self.ps.memory_info().rss)

    def peak_rss(self) -> dict[str, int]:
        """The sampled peak and the kernel's exact high-water mark of resident memory."""
        return {"sampled_peak_bytes": self._sampler.peak, "vm_hwm_bytes": vm_hwm(self.process.pid)}

    def log_tail(self, characters: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-characters:]

    def stop(self) -> None:
        self._sampler.stop()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


class RssSampler:
    """Samples a process's RSS in a daemon thread, keeping the peak."""

    def __init__(self, process: psutil.Process) -> None:
        self.process = process
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, int(self.process.memory_info().rss))
            except psutil.Error:
                return
            self._stop.wait(RSS_SAMPLE_SECONDS)


def vm_hwm(pid: int) -> int:
    """Peak resident set size from ``/proc/<pid>/status`` (0 where that file is absent)."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
