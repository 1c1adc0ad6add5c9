"""Going away gracefully: on SIGTERM (or SIGINT) live sessions finish first.

uvicorn's own shutdown closes every WebSocket at once (1012). :class:`DrainingServer`
puts the service's drain first: new live sessions are refused, open ones transcribe what
they were sent and close with 1001; then uvicorn's shutdown finishes the HTTP requests in
flight, both within one ``shutdown_timeout``. A second signal ends the wait.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
import typing as t
from types import FrameType

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from whisperd.core.service import Service

logger = logging.getLogger("whisperd")


class ServiceHolder:
    """The app, keeping hold of the service its lifespan made and of its event loop, so
    that the server around it (uvicorn, a Ray Serve replica) can drain it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, t.Any] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def service(self) -> Service | None:
        service = self.state.get("service")
        return service if isinstance(service, Service) else None

    def drain_soon(self, timeout: float) -> concurrent.futures.Future[int] | None:
        """Start the service's drain on the app's loop; safe from any thread."""
        service, loop = self.service, self.loop
        if service is None or loop is None or loop.is_closed():
            return None
        return asyncio.run_coroutine_threadsafe(service.drain(timeout), loop)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            self.state = scope.setdefault("state", self.state)
            self.loop = asyncio.get_running_loop()
        await self.app(scope, receive, send)


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, holder: ServiceHolder, timeout: float) -> None:
        super().__init__(config)
        self.holder = holder
        self.drain_timeout = timeout
        self._draining: concurrent.futures.Future[int] | None = None
        self._drain_started = 0.0

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._draining is None:
            self._draining = self.holder.drain_soon(self.drain_timeout)
            if self._draining is not None:
                self._captured_signals.append(sig)  # re-raised once uvicorn is done
                self._drain_started = time.monotonic()
                self._draining.add_done_callback(self._exit)
                return
        super().handle_exit(sig, frame)  # nothing to drain, or a second signal

    def _exit(self, drained: concurrent.futures.Future[int]) -> None:
        left = 0 if drained.cancelled() or drained.exception() else drained.result()
        if left:
            logger.warning("shutting down with %d live session(s) still open", left)
        # One shutdown_timeout in all: what the drain took is not left for the requests.
        spent = time.monotonic() - self._drain_started
        self.config.timeout_graceful_shutdown = max(1, round(self.drain_timeout - spent))
        self.should_exit = True
