"""PNG plots of a run: throughput against concurrent clients (and the workers × threads
combinations), latency distributions, and the server's RSS over many requests."""

from __future__ import annotations

import typing as t
from pathlib import Path

import matplotlib

from bench.parts import part, usable

matplotlib.use("Agg")  # files only; no display on servers and CI

import matplotlib.pyplot as plt

MIB = 2**20


def _measured(results: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    return {m: o for m, o in results["models"].items() if o.get("status") == "measured"}


def _subtitle(results: dict[str, t.Any]) -> str:
    load = results.get("load", {})
    state = "CONTAMINATED (busy machine)" if load.get("contaminated") else "quiet machine"
    cores = results["machine"]["logical_cores"]
    return f"{results['started_at'][:10]}, {results['mode']} profile, {cores} cores, {state}"


def throughput_plot(results: dict[str, t.Any], path: Path) -> bool:
    models = {m: o for m, o in _measured(results).items() if usable(o.get("throughput"))}
    matrix = part(results, "workers_matrix")
    has_matrix = matrix is not None and part(matrix, "combinations") is not None
    if not models and not has_matrix:
        return False
    figure, axes = plt.subplots(
        1, 2 if has_matrix else 1, figsize=(12 if has_matrix else 6.5, 4.5), squeeze=False
    )
    left = axes[0][0]
    for model, out in models.items():
        levels = out["throughput"]
        line = left.plot(
            [lv["clients"] for lv in levels],
            [lv["throughput"] for lv in levels],
            marker="o",
            label=f"{model}, HTTP json",
        )
        latency = part(out, "latency")
        if latency is not None:
            floor = latency["clip"]["duration_s"] / latency["engine"]["p50"]
            left.axhline(
                floor,
                linestyle="--",
                color=line[0].get_color(),
                alpha=0.6,
                label=f"{model}, in-process engine, 1 stream",
            )
    left.set_xscale("log", base=2)
    ticks = sorted({lv["clients"] for out in models.values() for lv in out["throughput"]})
    left.set_xticks(ticks, [str(tick) for tick in ticks])
    left.minorticks_off()
    left.set_xlabel("concurrent clients")
    left.set_ylabel("audio seconds per wall second")
    left.set_title("Throughput vs concurrency (short clips)")
    left.set_ylim(bottom=0)
    left.grid(alpha=0.3)
    left.legend(fontsize=8)
    if has_matrix:
        right = axes[0][1]
        combos = matrix["combinations"]
        levels = [lv["clients"] for lv in combos[0]["levels"]]
        width = 0.8 / len(combos)
        for index, combo in enumerate(combos):
            xs = [i + index * width for i in range(len(levels))]
            label = (
                f"workers {combo['workers']} × threads {combo['cpu_threads']}"
                f" × batch {combo.get('batch_requests', 1)}"
            )
            right.bar(xs, [lv["throughput"] for lv in combo["levels"]], width, label=label)
        right.set_xticks(
            [i + width * (len(combos) - 1) / 2 for i in range(len(levels))],
            [f"{c} clients" for c in levels],
        )
        right.set_ylabel("audio seconds per wall second")
        right.set_title(f"--workers × --cpu-threads × --batch-requests ({matrix['model']})")
        right.grid(alpha=0.3, axis="y")
        right.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    figure.suptitle(_subtitle(results), fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def latency_plot(results: dict[str, t.Any], path: Path) -> bool:
    models = _measured(results)
    single = {m: o["latency"] for m, o in models.items() if usable(o.get("latency"))}
    loaded = {m: o["throughput"] for m, o in models.items() if usable(o.get("throughput"))}
    if not single and not loaded:
        return False
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    data, labels = [], []
    for model, latency in single.items():
        data += [latency["samples"]["engine"], latency["samples"]["http_json"]]
        labels += [f"{model}\nengine", f"{model}\nHTTP"]
    if data:
        axes[0].boxplot(data, tick_labels=labels, showfliers=True)
        clip = next(iter(single.values()))["clip"]
        axes[0].set_title(f"One request at a time: {clip['duration_s']:.1f} s clip")
    axes[0].set_ylabel("seconds")
    axes[0].set_ylim(bottom=0)
    axes[0].grid(alpha=0.3, axis="y")
    data, labels = [], []
    for model, levels in loaded.items():
        for level in levels:
            data.append(level.get("latency_samples", []))
            labels.append(f"{model}\n{level['clients']}c")
    if data:
        axes[1].boxplot(data, tick_labels=labels, showfliers=True)
        axes[1].set_title("Request latency under concurrent clients (short clips)")
    axes[1].set_ylabel("seconds")
    axes[1].set_ylim(bottom=0)
    axes[1].grid(alpha=0.3, axis="y")
    axes[1].tick_params(axis="x", labelsize=7)
    figure.suptitle(_subtitle(results), fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def memory_plot(results: dict[str, t.Any], path: Path) -> bool:
    models = {m: o["memory"] for m, o in _measured(results).items() if usable(o.get("memory"))}
    if not models:
        return False
    figure, axis = plt.subplots(figsize=(6.5, 4.5))
    for model, memory in models.items():
        counts = [point[0] for point in memory["trace"]]
        axis.plot(counts, [point[1] / MIB for point in memory["trace"]], marker=".", label=model)
    axis.set_xlabel("requests after warm-up (mixed formats)")
    axis.set_ylabel("server RSS (MiB)")
    axis.set_ylim(bottom=0)  # growth shown against the whole, not magnified
    axis.set_title("Server memory over requests")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    figure.suptitle(_subtitle(results), fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def write_plots(results: dict[str, t.Any], stem: Path) -> dict[str, Path]:
    """Writes ``<stem>-throughput.png``, ``-latency.png`` and ``-memory.png`` (those with data)."""
    written = {}
    for name, draw in (
        ("throughput", throughput_plot),
        ("latency", latency_plot),
        ("memory", memory_plot),
    ):
        path = stem.with_name(f"{stem.name}-{name}.png")
        if draw(results, path):
            written[name] = path
    return written
