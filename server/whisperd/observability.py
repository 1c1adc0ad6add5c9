"""Request ids, structured logs and Prometheus metrics.

Every request gets an id (the client's ``X-Request-Id`` when it sends a sane one, else a new
``req_...``), echoed in the ``X-Request-Id`` response header and attached to every log
line written while it is served. One JSON access line is logged per request. Metrics count
requests by route and status, time them, and expose the engine's queue, its work and the
loaded models at ``GET /metrics``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import typing as t
import uuid

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROMETHEUS_MEDIA_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REQUEST_ID_HEADER = "X-Request-Id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
access_logger = logging.getLogger("whisperd.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields."""

    _STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, t.Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id != "-":
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


JsonFormatter.converter = time.gmtime


def configure_logging(level: str, log_format: str) -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


class EngineStats(t.Protocol):
    def engine_gauges(self) -> dict[str, float]: ...
    def loaded_models(self) -> list[str]: ...


class _EngineCollector(Collector):
    """Reads the engine's gauges at scrape time, so they are never stale."""

    def __init__(self) -> None:
        self.source: EngineStats | None = None

    def collect(self) -> t.Iterator[GaugeMetricFamily]:
        if self.source is None:
            return
        for name, value in self.source.engine_gauges().items():
            yield GaugeMetricFamily(f"whisperd_{name}", name.replace("_", " "), value=value)
        models = GaugeMetricFamily(
            "whisperd_model_loaded", "Models loaded in memory (1 per model)", labels=["model"]
        )
        for model in self.source.loaded_models():
            models.add_metric([model], 1)
        yield models


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "whisperd_http_requests",
            "HTTP requests answered, by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "whisperd_http_request_duration_seconds",
            "Time from request start to the end of the response, by route",
            ["route"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
            registry=self.registry,
        )
        self.audio_seconds = Counter(
            "whisperd_audio_seconds_processed",
            "Seconds of audio transcribed or translated, by task and model",
            ["task", "model"],
            registry=self.registry,
        )
        self.inference_seconds = Histogram(
            "whisperd_inference_duration_seconds",
            "Wall time of inference jobs (queue wait excluded), by task and model",
            ["task", "model"],
            buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
            registry=self.registry,
        )
        self._engine = _EngineCollector()
        self.registry.register(self._engine)

    def watch_engine(self, source: EngineStats) -> None:
        self._engine.source = source

    def record_inference(self, task: str, model: str, audio: float, seconds: float) -> None:
        self.audio_seconds.labels(task, model).inc(audio)
        self.inference_seconds.labels(task, model).observe(seconds)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))


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
