"""Prometheus metrics: what the server answered, the audio it processed, and the engine's
queue and loaded models read at scrape time (``GET /metrics``)."""

from __future__ import annotations

import typing as t

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
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
        self.live_sessions = Gauge(
            "whisperd_live_sessions",
            "Live transcription sessions open, by protocol",
            ["protocol"],
            registry=self.registry,
        )
        self.live_turns = Counter(
            "whisperd_live_turns",
            "Turns of live sessions transcribed, by protocol",
            ["protocol"],
            registry=self.registry,
        )
        self.live_partial_seconds = Histogram(
            "whisperd_live_partial_decode_seconds",
            "Time to decode a live turn's audio so far (queue wait included)",
            buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10),
            registry=self.registry,
        )
        self.live_final_seconds = Histogram(
            "whisperd_live_final_seconds",
            "From a live turn's end to its completed transcript",
            buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30),
            registry=self.registry,
        )
        self._engine = _EngineCollector()
        self.registry.register(self._engine)
        ProcessCollector(registry=self.registry)  # process_resident_memory_bytes and the like

    def watch_engine(self, source: EngineStats) -> None:
        self._engine.source = source

    def record_inference(self, task: str, model: str, audio: float, seconds: float) -> None:
        self.audio_seconds.labels(task, model).inc(audio)
        self.inference_seconds.labels(task, model).observe(seconds)

    def record_live_partial(self, seconds: float) -> None:
        self.live_partial_seconds.observe(seconds)

    def record_live_final(self, seconds: float) -> None:
        self.live_final_seconds.observe(seconds)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
