"""Prometheus metrics: what the server answered, the audio it processed, and the engine's
queue and loaded models read at scrape time (``GET /metrics``)."""

from __future__ import annotations

import typing as t

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

PROMETHEUS_MEDIA_TYPE = "text/plain; version=0.0.4; charset=utf-8"


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
