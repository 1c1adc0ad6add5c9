"""The measurements that compare the in-process engine with the HTTP server on the same audio:
long files (real-time factor, overhead, WER, time to the first streamed word), the 5 s clip
latency, server startup, and batched against sequential decoding of long audio."""

from __future__ import annotations

import math
import typing as t
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path

import httpx

from bench.client import new_client, transcribe_json, transcribe_stream
from bench.corpus import Clip
from bench.engine import Engine, TimedText
from bench.progress import log
from bench.server import Server
from bench.stats import median, ratio, summary
from bench.targets import WER_TOLERANCE
from bench.textmetrics import corpus_wer, part_errors, wer, word_count

STREAM_TARGET_MIN_SECONDS = 60.0
# faster-whisper's pipeline with its own defaults: a reference, not a server configuration.
REFERENCE_PREFIX = (
    "faster-whisper's batched defaults,"  # the "time to first delta on a 60 s+ file"
)


def long_files(
    engine: Engine, client: httpx.Client, model: str, clips: list[Clip], repetitions: int
) -> dict[str, t.Any]:
    """Each file through the engine, HTTP json and HTTP stream, interleaved so that noise on a
    shared machine hits the three alike; medians over ``repetitions``."""
    files = []
    for clip in clips:
        runs: dict[str, list[dict[str, t.Any]]] = {"engine": [], "json": [], "stream": []}
        texts: dict[str, str] = {}
        for _ in range(repetitions):
            engine_run = engine.run(clip)
            runs["engine"].append(
                {
                    "decode_s": engine_run.decode_seconds,
                    "inference_s": engine_run.inference_seconds,
                    "total_s": engine_run.total_seconds,
                    "first_segment_s": engine_run.first_segment_seconds,
                }
            )
            texts["engine"] = engine_run.text
            answer = transcribe_json(client, clip, model)
            runs["json"].append({"total_s": answer.seconds})
            texts["json"] = answer.text
            streamed = transcribe_stream(client, clip, model)
            runs["stream"].append(
                {
                    "total_s": streamed.seconds,
                    "first_delta_s": streamed.first_delta_seconds,
                    "deltas": streamed.deltas,
                }
            )
            texts["stream"] = streamed.text
            texts["stream_done"] = streamed.done_text
        record = _file_record(clip, runs, texts)
        log(
            f"[{model}] {clip.name} ({clip.duration:.0f} s): "
            f"engine {record['engine_total_s']:.2f} s, "
            f"json {record['json_s']:.2f} s, stream {record['stream_s']:.2f} s "
            f"(first delta {record['first_delta_s'] or math.nan:.2f} s)"
        )
        files.append(record)
    return {"files": files, "summary": _files_summary(files)}


def _file_record(
    clip: Clip, runs: dict[str, list[dict[str, t.Any]]], texts: dict[str, str]
) -> dict[str, t.Any]:
    def med(kind: str, key: str) -> float:
        values = [run[key] for run in runs[kind] if run[key] is not None]
        return median(values) if values else math.nan

    engine_total = med("engine", "total_s")
    json_seconds = med("json", "total_s")
    first_delta = med("stream", "first_delta_s")
    stream_seconds = med("stream", "total_s")
    return {
        **clip.describe(),
        "reference_words": word_count(clip.reference),
        "reference": clip.reference,
        "runs": runs,
        "texts": texts,
        "engine_decode_s": med("engine", "decode_s"),
        "engine_inference_s": med("engine", "inference_s"),
        "engine_total_s": engine_total,
        "engine_first_segment_s": med("engine", "first_segment_s"),
        "engine_first_segment_ratio": ratio(
            med("engine", "first_segment_s"), med("engine", "inference_s")
        ),
        "json_s": json_seconds,
        "stream_s": stream_seconds,
        "first_delta_s": first_delta,
        "first_delta_ratio": ratio(first_delta, stream_seconds),
        "json_over_engine": ratio(json_seconds, engine_total),
        "json_over_engine_inference": ratio(json_seconds, med("engine", "inference_s")),
        "stream_over_engine": ratio(stream_seconds, engine_total),
        "wer": {kind: wer(clip.reference, texts[kind]) for kind in ("engine", "json", "stream")},
        "json_text_equals_engine": texts["json"] == texts["engine"],
        "stream_text_equals_json": texts["stream"] == texts["json"] == texts["stream_done"],
    }


def _files_summary(files: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    audio = sum(float(f["duration_s"]) for f in files)

    def rtf(key: str) -> float:
        return ratio(sum(float(f[key]) for f in files), audio)

    long_streams = [f for f in files if f["duration_s"] >= STREAM_TARGET_MIN_SECONDS]
    return {
        "audio_seconds": audio,
        "rtf": {
            "engine_inference": rtf("engine_inference_s"),
            "engine_with_decode": rtf("engine_total_s"),
            "http_json": rtf("json_s"),
            "http_stream": rtf("stream_s"),
        },
        "json_over_engine_median": median([f["json_over_engine"] for f in files]),
        "json_over_engine_inference_median": median(
            [f["json_over_engine_inference"] for f in files]
        ),
        "stream_over_engine_median": median([f["stream_over_engine"] for f in files]),
        "wer": {
            kind: corpus_wer([(f["reference"], f["texts"][kind]) for f in files])
            for kind in ("engine", "json", "stream")
        },
        # A stream's short first window shifts the windows after it: its text is judged by
        # its WER (bench/targets.py), only engine and json must agree word for word.
        "texts_identical": all(f["json_text_equals_engine"] for f in files),
        "first_delta": [
            {
                "file": f["name"],
                "duration_s": f["duration_s"],
                "first_delta_s": f["first_delta_s"],
                "total_s": f["stream_s"],
                "ratio": f["first_delta_ratio"],
                "engine_first_segment_s": f["engine_first_segment_s"],
                "engine_ratio": f["engine_first_segment_ratio"],
            }
            for f in (long_streams or files)
        ],
        "first_delta_from_long_files": bool(long_streams),
    }


def latency(
    engine: Engine, client: httpx.Client, model: str, clip: Clip, requests: int
) -> dict[str, t.Any]:
    """One request at a time on a ~5 s clip, engine and HTTP alternating."""
    engine_seconds: list[float] = []
    http_seconds: list[float] = []
    for _ in range(requests):
        engine_seconds.append(engine.run(clip).total_seconds)
        http_seconds.append(transcribe_json(client, clip, model).seconds)
    result: dict[str, t.Any] = {
        "clip": clip.describe(),
        "engine": summary(engine_seconds),
        "http_json": summary(http_seconds),
        "samples": {"engine": engine_seconds, "http_json": http_seconds},
    }
    log(
        f"[{model}] 5 s clip latency: engine p50 {result['engine']['p50']:.3f} s, "
        f"http p50 {result['http_json']['p50']:.3f} s p95 {result['http_json']['p95']:.3f} s"
    )
    return result


def startup(
    model: str, cache_dir: Path, log_dir: Path, clip: Clip, starts: int
) -> dict[str, t.Any]:
    """Process start → ``/ready`` 200 with the model already in the cache, and the first
    request after that (a cold inference)."""
    samples: list[dict[str, float | None]] = []
    ready: list[float] = []
    for index in range(starts):
        with Server(model, cache_dir, log_dir / f"startup-{model}-{index}.log", []) as server:
            ready.append(server.wait_ready())
            with new_client(server.base_url) as client:
                first = transcribe_json(client, clip, model).seconds
            samples.append(
                {
                    "seconds_to_health": server.seconds_to_health,
                    "seconds_to_ready": server.seconds_to_ready,
                    "first_request_s": first,
                }
            )
    log(f"[{model}] ready to serve after {median(ready):.2f} s (median of {len(ready)})")
    return {
        "starts": samples,
        "seconds_to_ready_median": median(ready),
        "seconds_to_ready_max": max(ready),
    }


def batched_vs_sequential(
    engine: Engine, clip: Clip, batch_sizes: tuple[int, ...]
) -> dict[str, t.Any]:
    """In-process, on one long file: the server's sequential decoding, the same with Silero
    VAD, the server's batched path at each batch size, and for reference faster-whisper's
    BatchedInferencePipeline with its own defaults (time, RTF, WER, and on a joined file
    each clip's errors, which tell where words are lost)."""
    samples, _ = engine.decode(clip)
    configurations: list[tuple[str, Callable[[], TimedText]]] = [
        ("sequential (server)", partial(engine.sequential, samples, vad=False)),
        ("sequential + VAD", partial(engine.sequential, samples, vad=True)),
    ]
    for size in batch_sizes:
        configurations.append(
            (f"batched, batch_size={size}", partial(engine.batched, samples, size))
        )
    reference_size = max(batch_sizes)
    configurations.append(
        (
            f"{REFERENCE_PREFIX} batch_size={reference_size}",
            partial(engine.batched_library_defaults, samples, reference_size),
        )
    )
    rows = []
    for name, run in configurations:
        timed = run()
        rows.append(
            {
                "configuration": name,
                "seconds": timed.seconds,
                "rtf": ratio(timed.seconds, clip.duration),
                "wer": wer(clip.reference, timed.text),
                "clips": [asdict(errors) for errors in part_errors(clip.parts, timed.text)]
                if clip.parts
                else [],
                "text": timed.text,
            }
        )
        log(f"[{engine.model.id}] {name}: {timed.seconds:.1f} s, WER {rows[-1]['wer']:.3f}")
    if clip.parts:
        log(f"[{engine.model.id}] word errors by clip:\n" + clip_errors_text(rows))
    return {"clip": clip.describe(), "results": rows, "verdict": batched_verdict(rows)}


def clip_errors_text(rows: list[dict[str, t.Any]]) -> str:
    """Each configuration's errors in each clip of the joined file, as plain columns."""
    lines = []
    for row in rows:
        lines.append(f"  {row['configuration']}")
        for clip in row["clips"]:
            rate = (clip["substitutions"] + clip["deletions"] + clip["insertions"]) / max(
                clip["words"], 1
            )
            lines.append(
                f"    {clip['name'][:40]:40} {clip['words']:5} words  "
                f"S {clip['substitutions']:3}  D {clip['deletions']:3}  "
                f"I {clip['insertions']:3}  WER {rate * 100:5.1f} %"
            )
    return "\n".join(lines)


def batched_verdict(rows: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    """The issue's rule: batched decoding is worth making the default only where it is faster
    than sequential at a WER within 1 point (0.01) of it. Only the server's own batched
    path (what ``--batch-size`` turns on) is eligible."""
    sequential = rows[0]
    eligible = [
        row for row in rows
        if row["configuration"].startswith("batched") and row["seconds"] < sequential["seconds"]
        and row["wer"] <= sequential["wer"] + WER_TOLERANCE
    ]  # fmt: skip
    best = min(eligible, key=lambda row: row["seconds"]) if eligible else None
    return {
        "batched_wins": best is not None,
        "best": best["configuration"] if best else None,
        "speedup": ratio(sequential["seconds"], best["seconds"]) if best else None,
        "wer_delta": best["wer"] - sequential["wer"] if best else None,
    }
