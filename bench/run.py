"""One benchmark run: every model side by side, engine beside server, into one results dict.

A part that fails is recorded with its error and the run goes on (a benchmark that stops at
the first refused request shows nothing); the command then exits non-zero.
"""

from __future__ import annotations

import datetime as dt
import gc
import tempfile
import time
import traceback
import typing as t
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path

from whisperd.core.sizing import Sizing, size_for
from whisperd.settings import Settings, load_settings
from whisperd.store.catalog import KNOWN_MODELS, ModelNotFoundError, ModelUnavailableError, locate

from bench import load, phases, system
from bench.client import new_client, transcribe_json
from bench.corpus import Clip, Corpus
from bench.engine import Engine
from bench.profiles import Profile
from bench.progress import log
from bench.server import Server

SCHEMA_VERSION = 1


class Run:
    def __init__(
        self,
        profile: Profile,
        models: list[str],
        skip: set[str],
        shared_dir: Path,
        matrix_model: str | None,
    ) -> None:
        self.profile = profile
        self.models = models
        self.skip = skip
        self.settings: Settings = load_settings(None)
        self.cache_dir = Path(self.settings.cache_dir).expanduser()
        self.sizing: Sizing = size_for(self.settings)
        self.scratch = Path(tempfile.mkdtemp(prefix="whisperd-bench-"))
        self.corpus = Corpus(shared_dir / "audio", self.scratch)
        self.matrix_model = matrix_model
        self.errors: list[str] = []

    def attempt(self, where: str, action: Callable[[], t.Any]) -> t.Any:
        """Run one part; on failure record the error under ``where`` and return it as a dict."""
        try:
            return action()
        except Exception as error:
            message = f"{where}: {type(error).__name__}: {error}"
            log(f"FAILED {message}")
            self.errors.append(message)
            return {"error": message, "traceback": traceback.format_exc()[-3000:]}

    def long_clips(self) -> list[Clip]:
        clips = self.corpus.long_clips(
            None if self.profile.long_clips is None else list(self.profile.long_clips)
        )
        clips.append(
            self.corpus.joined("en_read_joined", self.corpus.read_speech(self.profile.read_clips))
        )
        return clips

    def batched_clip(self) -> Clip:
        if self.profile.batched_read_clips is not None:
            rows = self.corpus.read_speech(self.profile.batched_read_clips)
        else:
            names = self.profile.batched_clips
            rows = [
                r for r in self.corpus.exact_english("en_long") if names is None or r.stem in names
            ]
        return self.corpus.joined("batched_joined", rows)

    def execute(self) -> dict[str, t.Any]:
        meter = system.LoadMeter()
        meter.start()
        started = dt.datetime.now(dt.timezone.utc)
        clips = self.long_clips()
        pool = self.corpus.short_clips()
        latency_clip = self.corpus.latency_clip()
        log(
            f"profile {self.profile.name}; models {self.models}; long files: "
            + ", ".join(f"{c.name} ({c.duration:.0f} s)" for c in clips)
        )
        results: dict[str, t.Any] = {
            "schema": SCHEMA_VERSION,
            "profile": asdict(self.profile),
            "mode": self.profile.name,
            "started_at": started.isoformat(timespec="seconds"),
            "machine": system.machine(),
            "versions": system.versions(),
            "git": system.git_state(),
            "settings": {k: v for k, v in asdict(self.settings).items() if k not in ("api_key",)},
            "effective": {
                "workers": self.sizing.workers,
                "cpu_threads": self.sizing.cpu_threads,
                "batch_requests": self.sizing.batch_requests,
            },
            "corpus": {
                "long_files": [c.describe() for c in clips],
                "short_pool": [c.describe() for c in pool],
                "latency_clip": latency_clip.describe(),
            },
            "skipped_parts": sorted(self.skip),
            # The default decoding of long json requests: batched when batch_size > 1.
            "server_uses_batched": self.settings.batch_size > 1,
            "models": {},
        }
        for model in self.models:
            measure = partial(self.measure_model, model, clips, pool, latency_clip)
            results["models"][model] = self.attempt(model, measure)
            gc.collect()  # one model in memory at a time
        matrix_model = self.matrix_model or next(
            (
                m
                for m in ("base", *self.models)
                if results["models"].get(m, {}).get("status") == "measured"
            ),
            None,
        )
        if "matrix" not in self.skip and matrix_model is not None:
            log(f"workers / cpu-threads matrix on {matrix_model}")
            results["workers_matrix"] = {
                "model": matrix_model,
                "cores": results["machine"]["logical_cores"],
                "combinations": self.attempt(
                    "matrix",
                    lambda: load.workers_matrix(
                        matrix_model, self.cache_dir, self.scratch, pool, self.profile.matrix,
                        self.profile.matrix_levels, self.profile.matrix_requests,
                    ),
                ),
            }  # fmt: skip
        results["load"] = meter.stop()
        results["duration_s"] = time.monotonic() - meter.started
        results["errors"] = self.errors
        return results

    def availability(self, model: str) -> str | None:
        """Why ``model`` cannot be measured here, or None when it can."""
        try:
            locate(model, self.cache_dir)
        except (ModelNotFoundError, ModelUnavailableError) as error:
            known = KNOWN_MODELS.get(model)
            note = f" ({known.note})" if known is not None and known.note else ""
            hint = getattr(error, "hint", "")
            return f"{type(error).__name__}: {error} {hint}".strip() + note
        return None

    def measure_model(
        self, model: str, clips: list[Clip], pool: list[Clip], latency_clip: Clip
    ) -> dict[str, t.Any]:
        reason = self.availability(model)
        if reason is not None:
            log(f"[{model}] not measured: {reason}")
            return {"status": "unavailable", "reason": reason}
        log(f"[{model}] loading in-process (as the server does)")
        engine = Engine(model, self.settings)  # also assembles a split pack into the cache
        out: dict[str, t.Any] = {"status": "measured", "engine": engine.describe()}
        if "startup" not in self.skip:
            out["startup"] = self.attempt(
                f"{model}/startup",
                lambda: phases.startup(
                    model, self.cache_dir, self.scratch, latency_clip, self.profile.startups
                ),
            )
        server = Server(model, self.cache_dir, self.scratch / f"server-{model}.log", [])
        try:
            out["server"] = {"seconds_to_ready": server.wait_ready()}
            self.measure_with_server(model, engine, server, out, clips, pool, latency_clip)
            out["peak_rss"] = server.peak_rss()
        finally:
            server.stop()
        if "batched" not in self.skip:
            out["batched"] = self.attempt(
                f"{model}/batched",
                lambda: phases.batched_vs_sequential(
                    engine, self.batched_clip(), self.profile.batch_sizes
                ),
            )
        return out  # the engine goes with this frame; execute() then collects it

    def served_in_order(self, model: str, server: Server, pool: list[Clip]) -> dict[str, t.Any]:
        """Arrival order is only observable when one request runs at a time, so with more
        (``--workers 0`` or above 1, or concurrent requests batched) the check gets a server
        of its own that runs one."""

        def check(base_url: str) -> dict[str, t.Any]:
            return load.served_in_order(
                base_url,
                model,
                max(pool, key=lambda c: c.duration),
                min(pool, key=lambda c: c.duration),
                self.profile.fifo_requests,
            )

        if self.sizing.slots == 1:
            return check(server.base_url)
        log_path = self.scratch / f"server-{model}-one-worker.log"
        flags = ["--workers", "1", "--batch-requests", "1"]
        with Server(model, self.cache_dir, log_path, flags) as one_worker:
            one_worker.wait_ready()
            return {**check(one_worker.base_url), "server": " ".join(flags)}

    def measure_with_server(
        self, model: str, engine: Engine, server: Server, out: dict[str, t.Any],
        clips: list[Clip], pool: list[Clip], latency_clip: Clip,
    ) -> None:  # fmt: skip
        profile = self.profile
        with new_client(server.base_url) as client:
            engine.run(latency_clip)  # warm-up: first inferences are slower on both sides
            transcribe_json(client, latency_clip, model)
            if "files" not in self.skip:
                out["files"] = self.attempt(
                    f"{model}/files",
                    lambda: phases.long_files(
                        engine, client, model, clips, profile.file_repetitions
                    ),
                )
            if "latency" not in self.skip:
                out["latency"] = self.attempt(
                    f"{model}/latency",
                    lambda: phases.latency(
                        engine, client, model, latency_clip, profile.latency_requests
                    ),
                )
        if "throughput" not in self.skip:
            out["throughput"] = self.attempt(
                f"{model}/throughput",
                lambda: load.throughput(
                    server.base_url,
                    model,
                    pool,
                    profile.concurrency_levels,
                    profile.requests_per_level,
                ),
            )
            out["fifo"] = self.attempt(
                f"{model}/fifo", lambda: self.served_in_order(model, server, pool)
            )
        if "memory" not in self.skip:
            out["memory"] = self.attempt(
                f"{model}/memory",
                lambda: load.memory(
                    server, model, pool, profile.memory_requests, profile.memory_warmup
                ),
            )
