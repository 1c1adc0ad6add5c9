"""Measurements of the server under load: throughput at several numbers of concurrent clients,
whether queued requests are served in arrival order, memory over many requests, and the
``--workers`` / ``--cpu-threads`` combinations."""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

from bench.client import new_client, post, transcribe_json
from bench.corpus import Clip
from bench.progress import log
from bench.server import Server
from bench.stats import ratio, summary
from bench.textmetrics import corpus_wer


@dataclass(frozen=True)
class Completed:
    started: float
    finished: float
    status: int
    audio_seconds: float
    clip: str = ""
    text: str = ""


def run_concurrently(
    base_url: str, model: str, clips: list[Clip], clients: int
) -> dict[str, t.Any]:
    """``clients`` threads, each with its own connection, take clips from one shared list
    until it is empty. Throughput is audio seconds answered per wall second."""
    jobs: queue.SimpleQueue[Clip] = queue.SimpleQueue()
    for clip in clips:
        jobs.put(clip)
    done: list[Completed] = []
    lock = threading.Lock()
    gate = threading.Barrier(clients)
    failures: list[BaseException] = []

    def client_loop() -> None:
        try:
            with new_client(base_url) as http:
                gate.wait()
                while True:
                    try:
                        clip = jobs.get_nowait()
                    except queue.Empty:
                        return
                    started = time.monotonic()
                    response, _ = post(http, clip, model, {})
                    ok = response.status_code == 200
                    text = str(response.json()["text"]) if ok else ""
                    with lock:
                        done.append(
                            Completed(
                                started,
                                time.monotonic(),
                                response.status_code,
                                clip.duration,
                                clip.name,
                                text,
                            )
                        )
        except BaseException as error:  # reported below, not lost in a thread
            failures.append(error)

    threads = [threading.Thread(target=client_loop, name=f"client-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    ok = [c for c in done if c.status == 200]
    by_name = {clip.name: clip for clip in clips}
    wall = max(c.finished for c in done) - min(c.started for c in done)
    audio = sum(c.audio_seconds for c in ok)
    statuses: dict[str, int] = {}
    for c in done:
        statuses[str(c.status)] = statuses.get(str(c.status), 0) + 1
    latencies = [c.finished - c.started for c in ok]
    return {
        "clients": clients,
        "requests": len(done),
        "statuses": statuses,
        "wall_s": wall,
        "audio_s": audio,
        "throughput": ratio(audio, wall),
        "latency": summary(latencies),
        "latency_samples": latencies,
        "texts": {c.clip: c.text for c in ok},
        "wer": corpus_wer([(by_name[c.clip].reference, c.text) for c in ok]) if ok else None,
    }


def throughput(
    base_url: str, model: str, pool: list[Clip], levels: tuple[int, ...], requests: int
) -> list[dict[str, t.Any]]:
    clips = list(itertools.islice(itertools.cycle(pool), requests))
    results = []
    alone: dict[str, str] = {}
    for clients in levels:
        result = run_concurrently(base_url, model, clips, clients)
        texts = result.pop("texts")
        if clients == 1:
            alone = texts
        # Batched with others, each request should read as it does alone.
        same = [texts[name] == alone[name] for name in texts if name in alone]
        result["same_text_as_alone"] = {"same": sum(same), "compared": len(same)}
        log(
            f"[{model}] {clients} client(s): {result['throughput']:.1f} audio s / s, "
            f"p50 latency {result['latency'].get('p50', float('nan')):.2f} s, "
            f"statuses {result['statuses']}"
        )
        results.append(result)
    return results


def served_in_order(
    base_url: str, model: str, occupier: Clip, clip: Clip, count: int
) -> dict[str, t.Any]:
    """While a long request occupies the worker, ``count`` short ones arrive 100 ms apart;
    with one worker and a FIFO queue they must finish in the order they arrived. Records
    how many really waited (sent before the long one finished), so a pass means something."""
    sent: dict[int, float] = {}
    finished: dict[int, float] = {}
    statuses: dict[int, int] = {}

    def send(index: int, sent_clip: Clip) -> None:
        with new_client(base_url) as http:
            sent[index] = time.monotonic()
            response, _ = post(http, sent_clip, model, {})
            finished[index] = time.monotonic()
            statuses[index] = response.status_code

    threads = [threading.Thread(target=send, args=(-1, occupier))]
    threads[0].start()
    time.sleep(0.3)
    for index in range(count):
        thread = threading.Thread(target=send, args=(index, clip))
        thread.start()
        threads.append(thread)
        time.sleep(0.1)
    for thread in threads:
        thread.join()
    order = sorted(range(count), key=lambda index: finished[index])
    all_ok = all(status == 200 for status in statuses.values())
    in_order = all_ok and order == list(range(count))
    queued = sum(sent[index] < finished[-1] for index in range(count))
    log(f"[{model}] queued requests served in arrival order: {in_order} {order} ({queued} queued)")
    return {
        "requests": count,
        "completion_order": order,
        "in_order": in_order,
        "queued_behind_long_request": queued,
        "all_answered": all_ok,
    }


REQUEST_MIX: list[dict[str, str | list[str]]] = [
    {},
    {"response_format": "verbose_json", "timestamp_granularities[]": ["word", "segment"]},
    {"response_format": "srt"},
    {"stream": "true"},
    {"include[]": ["logprobs"]},
    {"response_format": "text"},
]


def memory(
    server: Server, model: str, pool: list[Clip], requests: int, warmup: int
) -> dict[str, t.Any]:
    """RSS after ``warmup`` requests (the baseline), then every few requests up to ``requests``
    more, cycling through the response formats (json, verbose_json with words, srt, stream,
    logprobs, text) so every code path gets its chance to leak."""
    mix = itertools.cycle(REQUEST_MIX)
    clips = itertools.cycle(pool)
    failures = 0
    with new_client(server.base_url) as http:

        def one() -> None:
            nonlocal failures
            response, _ = post(http, next(clips), model, next(mix))
            failures += response.status_code != 200

        for _ in range(warmup):
            one()
        baseline = server.rss()
        trace = [(0, baseline)]
        every = max(1, requests // 20)
        for count in range(1, requests + 1):
            one()
            if count % every == 0 or count == requests:
                trace.append((count, server.rss()))
        loaded = [
            entry["id"]
            for entry in http.get("/v1/models").json()["data"]
            if entry.get("loaded") and entry.get("alias_of") is None
        ]
    after = trace[-1][1]
    growth = 100.0 * (after - baseline) / baseline
    log(
        f"[{model}] RSS {baseline / 2**20:.0f} MiB → {after / 2**20:.0f} MiB "
        f"after {requests} requests ({growth:+.1f} %)"
    )
    return {
        "warmup_requests": warmup,
        "requests": requests,
        "failed_requests": failures,
        "baseline_rss_bytes": baseline,
        "after_rss_bytes": after,
        "growth_percent": growth,
        "trace": trace,
        "loaded_models": loaded,
    }


def workers_matrix(
    model: str,
    cache_dir: Path,
    log_dir: Path,
    pool: list[Clip],
    combinations: tuple[tuple[int, int, int], ...],
    levels: tuple[int, ...],
    requests: int,
) -> list[dict[str, t.Any]]:
    """Throughput of one model with each ``(workers, cpu_threads, batch_requests)``."""
    cores = os.cpu_count() or 1
    clips = list(itertools.islice(itertools.cycle(pool), requests))
    rows = []
    for workers, threads, batch in combinations:
        flags = ["--workers", str(workers), "--batch-requests", str(batch)]
        flags += ["--cpu-threads", str(threads)] if threads else []
        effective = threads or max(1, cores // workers)
        name = f"workers{workers}-threads{effective}-batch{batch}"
        with Server(model, cache_dir, log_dir / f"matrix-{model}-{name}.log", flags) as server:
            server.wait_ready()
            with new_client(server.base_url) as client:
                transcribe_json(client, pool[0], model)  # warm-up
            levels_out = [
                run_concurrently(server.base_url, model, clips, clients) for clients in levels
            ]
            peak = server.peak_rss()
        for level in levels_out:
            level.pop("latency_samples")
            level.pop("texts")
        row = {
            "workers": workers,
            "cpu_threads": effective,
            "batch_requests": batch,
            "threads_total": workers * effective,
            "oversubscribed": workers * effective > cores,
            "levels": levels_out,
            "peak_rss_bytes": peak["vm_hwm_bytes"] or peak["sampled_peak_bytes"],
        }
        log(
            f"[{model}] {name}: "
            + ", ".join(
                f"{lv['clients']} clients {lv['throughput']:.1f} audio s/s" for lv in levels_out
            )
        )
        rows.append(row)
    return rows
