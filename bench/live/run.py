"""One live benchmark run: for every model a server subprocess, the streams transcribed once
as files over HTTP (also the warm-up), then each concurrency level's sessions at once, once
per protocol (Realtime, then Deepgram, on the same streams)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import traceback
import typing as t
from dataclasses import asdict
from pathlib import Path

from whisperd.settings import load_settings
from whisperd.store.catalog import ModelNotFoundError, ModelUnavailableError, locate

from bench import system
from bench.client import new_client, transcribe_json
from bench.corpus import Clip, Corpus
from bench.live.deepgram_session import LISTEN_PATH, ListenOptions, run_deepgram_session
from bench.live.profiles import LiveProfile, LiveProtocol
from bench.live.session import REALTIME_PATH, SessionRecord, TurnDetection, run_session
from bench.live.streams import LiveStream, build_stream, live_rows, rotated
from bench.live.summary import (
    deepgram_level_summary,
    deepgram_session_summary,
    level_summary,
    session_summary,
)
from bench.progress import log
from bench.server import Server
from bench.textmetrics import corpus_wer

SCHEMA_VERSION = 1
START_SECONDS = 1.0  # sessions of a level connect, then all start streaming together


def served_code() -> str:
    """Where the server subprocess imports whisperd from (it inherits this environment)."""
    found = subprocess.run(
        [sys.executable, "-c", "import whisperd; print(whisperd.__file__)"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
    )
    return found.stdout.strip() or found.stderr.strip()[-300:]


class LiveRun:
    def __init__(
        self,
        profile: LiveProfile,
        models: list[str],
        shared_dir: Path,
        protocols: tuple[LiveProtocol, ...] | None = None,
    ) -> None:
        self.profile = profile
        self.models = models
        self.protocols = protocols or profile.protocols
        self.settings = load_settings(None)
        self.cache_dir = Path(self.settings.cache_dir).expanduser()
        self.scratch = Path(tempfile.mkdtemp(prefix="whisperd-live-bench-"))
        self.corpus = Corpus(shared_dir / "audio", self.scratch)
        self.rows = live_rows(self.corpus, profile.clips)
        self.turn_detection = TurnDetection()
        # Deepgram's turns end on the same silence as the Realtime session's
        self.listen = ListenOptions(endpointing_ms=self.turn_detection.silence_duration_ms)
        self.errors: list[str] = []
        self._streams: dict[int, LiveStream] = {}

    def stream(self, rotation: int) -> LiveStream:
        """Session ``rotation`` of a level speaks the clips starting at another one."""
        rotation %= len(self.rows)
        if rotation not in self._streams:
            name = f"live_{rotation}"
            clips = rotated(self.rows, rotation)[: self.profile.per_session]
            self._streams[rotation] = build_stream(
                name, clips, self.corpus.audio_dir, self.profile.passes
            )
        return self._streams[rotation]

    def execute(self) -> dict[str, t.Any]:
        meter = system.LoadMeter()
        meter.start()
        started = dt.datetime.now(dt.timezone.utc)
        first = self.stream(0)
        log(
            f"live profile {self.profile.name}; models {self.models}; protocols "
            f"{', '.join(self.protocols)}; stream "
            f"{first.duration_s:.1f} s of {len(first.utterances)} utterances"
        )
        results: dict[str, t.Any] = {
            "schema": SCHEMA_VERSION,
            "kind": "live",
            "mode": self.profile.name,
            "started_at": started.isoformat(timespec="seconds"),
            "machine": system.machine(),
            "versions": system.versions(),
            "git": system.git_state(),
            "served_code": served_code(),
            "protocols": list(self.protocols),
            "turn_detection": asdict(self.turn_detection),
            "realtime_path": REALTIME_PATH,
            "deepgram_path": LISTEN_PATH,
            "deepgram_query": self.listen.query("<model>"),
            "chunk_seconds": 0.1,
            "stream": first.describe(),
            "clips": [row.path for row in self.rows],
            "models": {},
        }
        for model in self.models:
            try:
                results["models"][model] = self.measure_model(model)
            except Exception as error:
                message = f"{model}: {type(error).__name__}: {error}"
                log(f"FAILED {message}")
                self.errors.append(message)
                results["models"][model] = {
                    "status": "failed", "error": message,
                    "traceback": traceback.format_exc()[-3000:],
                }  # fmt: skip
        results["load"] = meter.stop()
        results["duration_s"] = time.monotonic() - meter.started
        results["errors"] = self.errors
        return results

    def measure_model(self, model: str) -> dict[str, t.Any]:
        try:
            locate(model, self.cache_dir)  # assembles a split pack into the cache
        except (ModelNotFoundError, ModelUnavailableError) as error:
            log(f"[{model}] not measured: {error}")
            return {"status": "unavailable", "reason": f"{type(error).__name__}: {error}"}
        log_path = self.scratch / f"server-{model}.log"
        with Server(model, self.cache_dir, log_path, []) as server:
            out: dict[str, t.Any] = {"status": "measured", "ready_s": server.wait_ready()}
            out["file"] = self.file_transcription(server.base_url, model, self.stream(0))
            out["levels"] = []
            for clients in self.profile.levels_for(model):
                for protocol in self.protocols:
                    log(f"[{model}] {clients} live {protocol} session(s)")
                    level = asyncio.run(self.level(server.base_url, model, clients, protocol))
                    log(f"[{model}] {clients} {protocol}: {progress_line(level)}")
                    out["levels"].append(level)
            out["peak_rss"] = server.peak_rss()
        return out

    def file_transcription(self, base_url: str, model: str, stream: LiveStream) -> dict[str, t.Any]:
        """The same audio as one upload (``response_format=json``); the first call warms up."""
        path = stream.write_wav(self.scratch / f"{stream.name}.wav")
        clip = Clip(stream.name, path, stream.duration_s, stream.reference)
        with new_client(base_url) as client:
            transcribe_json(client, clip, model)
            answer = transcribe_json(client, clip, model)
        return {
            "stream": stream.name,
            "seconds": answer.seconds,
            "text": answer.text,
            "wer": corpus_wer([(stream.reference, answer.text)]),
        }

    async def level(
        self, base_url: str, model: str, clients: int, protocol: LiveProtocol
    ) -> dict[str, t.Any]:
        streams = [self.stream(i) for i in range(clients)]
        start_at = time.monotonic() + START_SECONDS
        prefix = self.turn_detection.prefix_padding_ms / 1000
        records: list[SessionRecord]
        if protocol == "deepgram":
            records = await asyncio.gather(*(
                run_deepgram_session(base_url, model, s, self.listen, start_at) for s in streams
            ))  # fmt: skip
            return deepgram_level_summary(clients, [
                deepgram_session_summary(record, stream, prefix)
                for record, stream in zip(records, streams, strict=True)
            ])  # fmt: skip
        records = await asyncio.gather(
            *(run_session(base_url, model, s, self.turn_detection, start_at) for s in streams)
        )
        sessions = [
            session_summary(record, stream, prefix)
            for record, stream in zip(records, streams, strict=True)
        ]
        return level_summary(clients, sessions)


def progress_line(level: dict[str, t.Any]) -> str:
    def p50(key: str) -> str:
        return f"{level[key].get('p50', float('nan')):.2f} s"

    if level["protocol"] == "deepgram":
        first, final = p50("onset_to_first_interim"), p50("speech_end_to_speech_final")
        return (
            f"onset→interim p50 {first}, speech end→speech_final p50 {final}, "
            f"keeping up {level['sessions_keeping_up']}/{level['clients']}"
        )
    return (
        f"onset→delta p50 {p50('onset_to_first_delta')}, stop→completed p50 "
        f"{p50('stop_to_completed')}, keeping up {level['sessions_keeping_up']}/{level['clients']}"
    )
