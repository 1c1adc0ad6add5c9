"""A real whisperd process on a free loopback port, started as ``make serve`` starts it."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """A whisperd subprocess; its log is kept for failure messages."""

    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        log_path: Path,
        scheme: str = "http",
        ca_file: str | None = None,
    ) -> None:
        self.port = free_port()
        self.base_url = f"{scheme}://127.0.0.1:{self.port}"
        self.verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=ca_file) if ca_file else True
        )
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "whisperd", "--port", str(self.port), *args],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"whisperd exited early:\n{self.log()}")
            try:
                health = httpx.get(f"{self.base_url}/health", timeout=1, verify=self.verify)
                if health.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"whisperd did not become ready:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-5000:]

    def wait_for_log(self, text: str, timeout: float = 10.0) -> str:
        """The whole log once ``text`` is in it: a log line is written after its response."""
        deadline = time.monotonic() + timeout
        while True:
            self._log.flush()
            whole = self.log_path.read_text(errors="replace")
            if text in whole or time.monotonic() > deadline:
                return whole
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


# One request at a time (no batching of concurrent ones): where queue order is observable.
ONE_AT_A_TIME = ("--workers", "1", "--batch-requests", "1")


def start_server(
    tmp_path_factory: pytest.TempPathFactory,
    cache_dir: Path,
    *args: str,
    scheme: str = "http",
    ca_file: str | None = None,
    **env: str,
) -> ServerProcess:
    """A started server; ``env`` adds environment variables, ``scheme``/``ca_file`` are for
    one serving TLS with a test certificate."""
    environment = dict(os.environ)
    environment.update({"WHISPERD_CACHE_DIR": str(cache_dir), "PYTHONUNBUFFERED": "1"})
    environment.update(env)
    log_path = tmp_path_factory.mktemp("server") / "whisperd.log"
    server = ServerProcess(list(args), environment, log_path, scheme, ca_file)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server
