"""Request ids, access logs and request metrics for every HTTP request.

Every request gets an id (the client's ``X-Request-Id`` when it sends a sane one, else a new
``req_...``), echoed in the ``X-Request-Id`` response header and attached to every log
line written while it is served. One JSON access line is logged per request.
"""

from __future__ import annotations

import logging
import re
import time
import typing as t
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from whisperd.logs import request_id_var
from whisperd.metrics import Metrics

REQUEST_ID_HEADER = "X-Request-Id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_logger = logging.getLogger("whisperd.access")


class RouteNamer:
    """Maps a request path onto its spec path template, to keep label cardinality bounded."""

    def __init__(self, templates: t.Iterable[str]) -> None:
        self._patterns = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$"), template)
            for template in templates
        ]

    def __call__(self, path: str) -> str:
        for pattern, template in self._patterns:
            if pattern.match(path):
                return template
        return "unmatched"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, routes: RouteNamer) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else f"req_{uuid.uuid4().hex}"
        token = request_id_var.set(request_id)
        started = time.monotonic()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.monotonic() - started
            route = self.routes(scope["path"])
            method = scope.get("method", "")
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            access_logger.info(
                "%s %s %d %.0fms",
                method, scope["path"], status, elapsed * 1000,
                extra={"method": method, "path": scope["path"], "status": status,
                       "duration_ms": round(elapsed * 1000, 1),
                       "client": (scope.get("client") or ("", 0))[0]},
            )  # fmt: skip
            request_id_var.reset(token)
