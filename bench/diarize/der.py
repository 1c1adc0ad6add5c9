"""Diarization error rate and speaker-naming checks on the synthetic conversations.

DER = (missed speech + false alarm + speaker confusion) / reference speech, scored on 10 ms
frames with a 0.25 s no-score collar around every reference turn boundary, under the optimal
one-to-one speaker mapping (Hungarian assignment on overlap time).

    python -m bench.diarize.der --split dev --seed 1 --sweep
    python -m bench.diarize.der --split test --seed 2 --codecs
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import random
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from whisperd.diarize.diarizer import Analysis, DiarizeOptions, Diarizer, Turn
from whisperd.diarize.embedding import SpeakerEncoder

from bench.diarize.conversations import (
    SR,
    Conversation,
    load_impostors,
    load_voices,
    suite,
    transcode,
    write,
)

FRAME = 0.01


def hungarian(cost: np.ndarray) -> list[tuple[int, int]]:
    """Minimum-cost assignment of rows to columns (rectangular allowed): (row, col) pairs."""
    cost = np.asarray(cost, dtype=np.float64)
    transposed = cost.shape[0] > cost.shape[1]
    if transposed:
        cost = cost.T
    n, m = cost.shape
    if n == 0:
        return []
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    p = np.zeros(m + 1, dtype=np.int64)  # p[j]: row (1-based) assigned to column j
    way = np.zeros(m + 1, dtype=np.int64)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = np.inf
            j1 = 0
            for j in range(1, m + 1):
                if used[j]:
                    continue
                cur = cost[i0 - 1, j - 1] - u[i0] - v[j]
                if cur < minv[j]:
                    minv[j] = cur
                    way[j] = j0
                if minv[j] < delta:
                    delta = minv[j]
                    j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    pairs = [(int(p[j]) - 1, j - 1) for j in range(1, m + 1) if p[j] != 0]
    return [(c, r) for r, c in pairs] if transposed else pairs


@dataclass
class DerParts:
    total: float = 0.0
    missed: float = 0.0
    false_alarm: float = 0.0
    confusion: float = 0.0

    @property
    def der(self) -> float:
        return (self.missed + self.false_alarm + self.confusion) / max(self.total, 1e-9)

    def __iadd__(self, other: DerParts) -> DerParts:
        self.total += other.total
        self.missed += other.missed
        self.false_alarm += other.false_alarm
        self.confusion += other.confusion
        return self


def _activity(
    turns: Sequence[tuple[float, float, str]], speakers: Sequence[str], n: int
) -> np.ndarray:
    act = np.zeros((len(speakers), n), dtype=bool)
    index = {s: i for i, s in enumerate(speakers)}
    for start, end, spk in turns:
        act[index[spk], round(start / FRAME) : round(end / FRAME)] = True
    return act


def speaker_mapping(
    ref: Sequence[tuple[float, float, str]],
    hyp: Sequence[tuple[float, float, str]],
    duration: float,
) -> dict[str, str]:
    """Optimal hypothesis -> reference speaker mapping by overlap time."""
    n = int(np.ceil(duration / FRAME)) + 1
    ref_spk = sorted({t[2] for t in ref})
    hyp_spk = sorted({t[2] for t in hyp})
    r = _activity(ref, ref_spk, n).astype(np.float64)
    h = _activity(hyp, hyp_spk, n).astype(np.float64)
    overlap = r @ h.T
    return {hyp_spk[j]: ref_spk[i] for i, j in hungarian(-overlap) if overlap[i, j] > 0}


def der(
    ref: Sequence[tuple[float, float, str]],
    hyp: Sequence[tuple[float, float, str]],
    duration: float,
    *,
    collar: float = 0.25,
) -> DerParts:
    """DER components in seconds."""
    n = int(np.ceil(duration / FRAME)) + 1
    ref_spk = sorted({t[2] for t in ref})
    hyp_spk = sorted({t[2] for t in hyp})
    r = _activity(ref, ref_spk, n)
    h = _activity(hyp, hyp_spk, n)
    scored = np.ones(n, dtype=bool)
    c = round(collar / FRAME)
    for start, end, _ in ref:
        for edge in (round(start / FRAME), round(end / FRAME)):
            scored[max(0, edge - c) : edge + c] = False
    r, h = r[:, scored], h[:, scored]
    n_ref = r.sum(axis=0)
    n_hyp = h.sum(axis=0)
    overlap = r.astype(np.float64) @ h.T.astype(np.float64)
    correct = sum(overlap[i, j] for i, j in hungarian(-overlap)) if len(r) and len(h) else 0.0
    return DerParts(
        total=float(n_ref.sum()) * FRAME,
        missed=float(np.maximum(n_ref - n_hyp, 0).sum()) * FRAME,
        false_alarm=float(np.maximum(n_hyp - n_ref, 0).sum()) * FRAME,
        confusion=float(np.minimum(n_ref, n_hyp).sum() - correct) * FRAME,
    )


def _ref(conv: Conversation) -> list[tuple[float, float, str]]:
    return [(t.start, t.end, t.speaker) for t in conv.turns]


def _hyp(turns: Sequence[Turn]) -> list[tuple[float, float, str]]:
    return [(t.start, t.end, t.speaker) for t in turns]


@dataclass
class Row:
    name: str
    n_ref: int
    n_hyp: int
    parts: DerParts
    seconds: float


def evaluate(
    diarizer: Diarizer,
    convs: Sequence[Conversation],
    cache: dict[str, Analysis] | None = None,
) -> list[Row]:
    rows = []
    for conv in convs:
        t0 = time.perf_counter()
        analysis = cache.get(conv.name) if cache is not None else None
        if analysis is None:
            analysis = diarizer.analyse(conv.samples)
            if cache is not None:
                cache[conv.name] = analysis
        turns = diarizer.label(analysis)
        elapsed = time.perf_counter() - t0
        hyp = _hyp(turns)
        rows.append(
            Row(
                conv.name,
                len(conv.speakers),
                len({t.speaker for t in turns}),
                der(_ref(conv), hyp, conv.duration),
                elapsed,
            )
        )
    return rows


def summarise(rows: Sequence[Row], label: str) -> dict[str, float | str]:
    parts = DerParts()
    for row in rows:
        parts += row.parts
    total = max(parts.total, 1e-9)
    return {
        "set": label,
        "convs": len(rows),
        "der": round(100 * parts.der, 2),
        "missed": round(100 * parts.missed / total, 2),
        "fa": round(100 * parts.false_alarm / total, 2),
        "confusion": round(100 * parts.confusion / total, 2),
        "count_exact": f"{sum(r.n_ref == r.n_hyp for r in rows)}/{len(rows)}",
        "worst": max(rows, key=lambda r: r.parts.der).name if rows else "",
        "worst_der": round(100 * max(r.parts.der for r in rows), 2) if rows else 0.0,
    }


def _groups(rows: Sequence[Row]) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        key = "-".join(row.name.split("-")[1:3])
        if row.name.endswith(("-mp3", "-opus")):
            key += "-" + row.name.rsplit("-", 1)[1]
        groups.setdefault(key, []).append(row)
    return groups


def naming_check(
    diarizer: Diarizer,
    convs: Sequence[Conversation],
    cache: dict[str, Analysis],
    voices: dict[str, object],
    impostors: dict[str, np.ndarray],
    seed: int,
) -> dict[str, object]:
    """Give references for some of a conversation's speakers plus one impostor; count right
    names, missing names, and names given to the wrong (or an unreferenced) voice. Also collect
    centroid/reference similarities for choosing the threshold."""
    rng = random.Random(seed)
    right = missing = wrong = 0
    genuine: list[float] = []
    impostor_scores: list[float] = []
    for conv in convs:
        named = conv.speakers[: max(1, len(conv.speakers) - 1)]
        others = [s for s in voices if s not in conv.speakers] + list(impostors)
        imp = rng.choice(others)
        imp_clip = impostors[imp] if imp in impostors else voices[imp].reference  # type: ignore[attr-defined]
        known = [(s, voices[s].reference) for s in named] + [(imp, imp_clip)]  # type: ignore[attr-defined]
        turns = (
            diarizer.label(cache[conv.name], known=known)
            if conv.name in cache
            else (diarizer.diarize(conv.samples, known=known))
        )
        hyp = _hyp(turns)
        mapping = speaker_mapping(_ref(conv), hyp, conv.duration)
        given = {t.speaker for t in turns}
        for s in named:
            if s in given and mapping.get(s) == s:
                right += 1
            else:
                missing += 1
        for label in given:
            if len(label) > 2 and mapping.get(label) != label:  # a name on the wrong voice
                wrong += 1
        # Similarity of each reference to the centroid of its true voice's turns.
        refs = {s: voices[s].reference for s in conv.speakers}  # type: ignore[attr-defined]
        refs[imp] = imp_clip
        emb = {s: diarizer.encoder.embed(clip) for s, clip in refs.items()}
        for spk in conv.speakers:
            cluster = [h for h, r in mapping.items() if r == spk]
            if not cluster:
                continue
            segs = [t for t in turns if t.speaker == cluster[0]]
            audio = np.concatenate(
                [conv.samples[int(t.start * SR) : int(t.end * SR)] for t in segs]
            )
            centroid = diarizer.encoder.embed(audio, hop_seconds=0.4)
            for s, e in emb.items():
                (genuine if s == spk else impostor_scores).append(float(centroid @ e))
    return {
        "named_right": right,
        "named_missing": missing,
        "named_wrong": wrong,
        "genuine_min": round(min(genuine), 3) if genuine else None,
        "genuine_p10": round(float(np.percentile(genuine, 10)), 3) if genuine else None,
        "impostor_max": round(max(impostor_scores), 3) if impostor_scores else None,
        "impostor_p90": round(float(np.percentile(impostor_scores, 90)), 3)
        if impostor_scores
        else None,
    }


def resources(diarizer: Diarizer, convs: Sequence[Conversation]) -> dict[str, float]:
    """Seconds and peak traced memory per audio minute on one long concatenation."""
    long = np.concatenate([c.samples for c in convs])
    minutes = len(long) / SR / 60
    tracemalloc.start()
    t0 = time.perf_counter()
    diarizer.diarize(long)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "audio_minutes": round(minutes, 2),
        "seconds_per_audio_minute": round(elapsed / minutes, 2),
        "peak_traced_mib": round(peak / 2**20, 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sweep", action="store_true", help="sweep the clustering threshold")
    parser.add_argument("--codecs", action="store_true", help="also mp3 and opus copies")
    parser.add_argument(
        "--sweep-thresholds",
        type=lambda text: [float(v) for v in text.split(",")],
        default=[0.5, 0.55, 0.6, 0.65, 0.7],
        help="comma-separated clustering thresholds for --sweep",
    )
    parser.add_argument(
        "--sweep-merges",
        type=lambda text: [None if v == "none" else float(v) for v in text.split(",")],
        default=[None, 0.5, 0.6],
        help="comma-separated merge similarities ('none': no merging) for --sweep",
    )
    parser.add_argument("--window-hop", type=float, default=None)
    parser.add_argument("--cluster-threshold", type=float, default=None)
    parser.add_argument("--known-threshold", type=float, default=None)
    parser.add_argument("--merge-similarity", type=float, default=None)
    parser.add_argument("--out", type=Path, default=None, help="directory for the audio files")
    args = parser.parse_args(argv)

    encoder = SpeakerEncoder.load()
    voices = load_voices()
    impostors = load_impostors()
    convs = suite(voices, split=args.split, seed=args.seed)
    out = args.out or Path(tempfile.mkdtemp(prefix="diarize-convs-"))
    out.mkdir(parents=True, exist_ok=True)
    for conv in convs:
        write(conv, out)
    options = DiarizeOptions()
    if args.cluster_threshold is not None:
        options = dataclasses.replace(options, cluster_threshold=args.cluster_threshold)
    if args.window_hop is not None:
        options = dataclasses.replace(options, window_hop=args.window_hop)
    if args.merge_similarity is not None:
        options = dataclasses.replace(options, merge_similarity=args.merge_similarity)
    if args.known_threshold is not None:
        options = dataclasses.replace(options, known_threshold=args.known_threshold)
    report: dict[str, object] = {"split": args.split, "seed": args.seed, "audio_dir": str(out)}

    cache: dict[str, Analysis] = {}
    if args.sweep:
        sweep = []
        grid = itertools.product(args.sweep_thresholds, (0.05, 0.1), args.sweep_merges)
        for thr, fraction, merge in grid:
            d = Diarizer(
                encoder,
                dataclasses.replace(
                    options,
                    cluster_threshold=thr,
                    min_cluster_fraction=fraction,
                    merge_similarity=merge,
                ),
            )
            summary = summarise(evaluate(d, convs, cache), "all")
            sweep.append({"threshold": thr, "min_fraction": fraction, "merge": merge, **summary})
            print(json.dumps(sweep[-1]))
        report["sweep"] = sweep

    diarizer = Diarizer(encoder, options)
    rows = evaluate(diarizer, convs, cache)
    if args.codecs:
        picked = [c for c in convs if "pause" in c.name]
        codecs: tuple[Literal["mp3", "opus"], ...] = ("mp3", "opus")
        for codec in codecs:
            rows += evaluate(diarizer, [transcode(c, codec, out) for c in picked])
    table = [summarise(g, key) for key, g in _groups(rows).items()]
    clean = [r for r in rows if not r.name.endswith(("-mp3", "-opus"))]
    table.append(summarise(clean, "all-wav"))
    for line in table:
        print(json.dumps(line))
    report["table"] = table
    report["rows"] = [
        {"name": r.name, "n_ref": r.n_ref, "n_hyp": r.n_hyp, "der": round(100 * r.parts.der, 2)}
        for r in rows
    ]
    report["naming"] = naming_check(diarizer, convs, cache, voices, impostors, args.seed)  # type: ignore[arg-type]
    print(json.dumps(report["naming"]))
    report["resources"] = resources(diarizer, convs)
    print(json.dumps(report["resources"]))
    report["options"] = dataclasses.asdict(options)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    print("report:", out / "report.json")


if __name__ == "__main__":
    main()
