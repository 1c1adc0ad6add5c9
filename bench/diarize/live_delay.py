"""What speakers cost a Realtime session: commit -> completed with ``whisper-1`` against
``gpt-4o-transcribe-diarize`` on the same turns, and whether a voice keeps its label.

    python -m bench.diarize.live_delay --split test --seed 2

A whisperd server subprocess (``--model``, default base) gets the two-speaker conversations
with pauses of the DER suite (``bench/diarize/conversations.py``); each reference turn is
appended as PCM16 24 kHz at once, then committed by hand (no VAD), and timed from the commit
to its ``...completed`` event (and, with speakers, to its first ``...segment`` event).
Label accuracy: the share of turns whose label is their speaker's under the best one-to-one
mapping of labels to speakers, per conversation.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import statistics
import tempfile
import time
import typing as t
from pathlib import Path

import numpy as np
from websockets.sync.client import ClientConnection, connect

from bench.diarize.conversations import Conversation, load_voices, suite
from bench.progress import log
from bench.server import Server

SR = 16_000
COMPLETED = "conversation.item.input_audio_transcription.completed"
SEGMENT = "conversation.item.input_audio_transcription.segment"
MODELS = ("whisper-1", "gpt-4o-transcribe-diarize")


def pcm16_24k(samples: np.ndarray) -> bytes:
    count = int(len(samples) * 24_000 / SR)
    resampled = np.interp(np.arange(count) * SR / 24_000, np.arange(len(samples)), samples)
    return bytes((np.clip(resampled, -1, 1) * 32767).astype("<i2").tobytes())


def receive(ws: ClientConnection, timeout: float = 120.0) -> dict[str, t.Any]:
    event = json.loads(ws.recv(timeout=timeout))
    if event["type"] == "error":
        raise RuntimeError(f"error event: {event}")
    assert isinstance(event, dict)
    return event


def session(base_url: str, model: str, conv: Conversation) -> list[dict[str, t.Any]]:
    """Every reference turn appended, committed and timed; one record per turn."""
    url = base_url.replace("http://", "ws://") + "/v1/realtime?intent=transcription"
    records: list[dict[str, t.Any]] = []
    with connect(url, max_size=None, open_timeout=30) as ws:
        assert receive(ws)["type"] == "session.created"
        ws.send(json.dumps({"type": "session.update", "session": {"type": "transcription",
            "audio": {"input": {"transcription": {"model": model, "language": "en"},
                                "turn_detection": None}}}}))  # fmt: skip
        while receive(ws)["type"] != "session.updated":
            pass
        for turn in conv.turns:
            piece = conv.samples[int(turn.start * SR) : int(turn.end * SR)]
            audio = pcm16_24k(piece)
            for offset in range(0, len(audio), 48_000):
                chunk = base64.b64encode(audio[offset : offset + 48_000]).decode()
                ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": chunk}))
            committed = time.monotonic()
            ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
            first_segment: float | None = None
            labels: list[str] = []
            transcript = ""
            while True:
                event = receive(ws)
                if event["type"] == SEGMENT:
                    first_segment = first_segment or time.monotonic() - committed
                    labels.append(str(event["speaker"]))
                elif event["type"] == COMPLETED:
                    transcript = str(event["transcript"])
                    break
            records.append({
                "speaker": turn.speaker, "seconds": turn.end - turn.start,
                "completed_s": time.monotonic() - committed, "first_segment_s": first_segment,
                "label": max(set(labels), key=labels.count) if labels else None,
                "transcript": transcript,
            })  # fmt: skip
    return records


def label_accuracy(records: list[dict[str, t.Any]]) -> float:
    """Turns whose label is their speaker's, under the best one-to-one mapping."""
    speakers = sorted({r["speaker"] for r in records})
    labels = sorted({r["label"] for r in records if r["label"] is not None})
    best = 0
    for chosen in itertools.permutations(labels, min(len(labels), len(speakers))):
        mapping = dict(zip(chosen, speakers, strict=False))
        best = max(best, sum(mapping.get(r["label"]) == r["speaker"] for r in records))
    return best / len(records)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
    }


def main(argv: list[str] | None = None) -> int:
    from whisperd.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], default="test")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--model", default="base", help="the server's model")
    args = parser.parse_args(argv)
    convs = [c for c in suite(load_voices(), split=args.split, seed=args.seed)
             if "2spk-pause" in c.name]  # fmt: skip
    cache_dir = Path(load_settings(None, dict(os.environ)).cache_dir).expanduser()
    scratch = Path(tempfile.mkdtemp(prefix="whisperd-live-delay-"))
    results: dict[str, t.Any] = {"split": args.split, "seed": args.seed, "model": args.model}
    with Server(args.model, cache_dir, scratch / "server.log", []) as server:
        server.wait_ready()
        session(server.base_url, MODELS[0], convs[0])  # warm-up: model and encoder loaded
        session(server.base_url, MODELS[1], convs[0])
        for model in MODELS:
            records = [r for conv in convs for r in session(server.base_url, model, conv)]
            entry: dict[str, t.Any] = {
                "turns": len(records),
                "turn_seconds": summary([r["seconds"] for r in records]),
                "completed_s": summary([r["completed_s"] for r in records]),
            }
            if model == MODELS[1]:
                segmented = [
                    r["first_segment_s"] for r in records if r["first_segment_s"] is not None
                ]
                entry["first_segment_s"] = summary(segmented)
                entry["turns_without_segments"] = [
                    (r["speaker"], round(r["seconds"], 2), r["transcript"])
                    for r in records
                    if r["first_segment_s"] is None
                ]
                per_conv = _split(records, convs)
                entry["label_accuracy"] = statistics.mean(label_accuracy(r) for r in per_conv)
            results[model] = entry
            log(f"{model}: {json.dumps(entry)}")
    print(json.dumps(results, indent=2))
    return 0


def _split(
    records: list[dict[str, t.Any]], convs: list[Conversation]
) -> list[list[dict[str, t.Any]]]:
    out, start = [], 0
    for conv in convs:
        out.append(records[start : start + len(conv.turns)])
        start += len(conv.turns)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
