"""The markdown report of a run: a summary table with the models side by side, the issue's
targets, and the detail tables (long files, batched vs sequential, workers × threads).

It is a pure function of the results JSON, so ``python -m bench --report results/X.json``
re-renders an old run.
"""

from __future__ import annotations

import math
import typing as t

from bench.parts import part, usable
from bench.targets import evaluate

MIB = 2**20


def fmt(value: t.Any, digits: int = 2, suffix: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}{suffix}"
    return f"{value}{suffix}"


def pct(value: t.Any) -> str:
    return (
        "–"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{100 * value:.1f} %"
    )


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def banner(results: dict[str, t.Any]) -> str:
    load = results.get("load", {})
    lines = []
    if load.get("contaminated"):
        lines.append(
            f"> **Contaminated run**: other processes kept {load['foreign_cores']:.2f} cores "
            f"busy on average (threshold {load['threshold_cores']} of "
            f"{results['machine']['logical_cores']}). "
            "These figures do not measure whisperd; rerun `make bench` on a quiet machine."
        )
    else:
        lines.append(
            f"> Quiet run: other processes used {load.get('foreign_cores', math.nan):.2f} cores "
            "on average."
        )
    if results.get("mode") != "full":
        lines.append(
            f"> **{results.get('mode')} profile**: fewer repetitions and shorter audio than "
            "`make bench`; "
            "for checking the harness, not for publishing."
        )
    if results.get("errors"):
        lines.append("> **Parts failed**: " + "; ".join(results["errors"]))
    return "\n>\n".join(lines)


def environment(results: dict[str, t.Any]) -> str:
    machine, versions, settings = results["machine"], results["versions"], results["settings"]
    git = results.get("git", {})
    effective = results.get("effective")  # absent in runs before automatic workers
    effective_text = (
        f": {effective['workers']} × {effective['cpu_threads']} thread(s) here" if effective else ""
    )
    return "\n".join(
        [
            f"- CPU: {machine['cpu_model']}, {machine['logical_cores']} logical cores "
            f"({machine['physical_cores']} physical), RAM {machine['ram_bytes'] / 2**30:.1f} GiB, "
            f"{machine['os']}",
            f"- Python {machine['python']}, faster-whisper {versions.get('faster-whisper')}, "
            f"ctranslate2 {versions.get('ctranslate2')}, whisperd {versions.get('whisperd')} "
            f"at {str(git.get('commit', '?'))[:12]}{' (dirty tree)' if git.get('dirty') else ''}",
            f"- Server settings: workers {settings['workers']} (0 = one per core, at most 4), "
            f"cpu_threads {settings['cpu_threads']} (0 = cores ÷ workers){effective_text}, "
            f"beam_size {settings['beam_size']}, "
            f"compute_type {settings['compute_type']}, "
            f"device {settings['device']}, vad_filter {settings['vad_filter']}",
            f"- Run: {results['mode']} profile, started {results['started_at']}, took "
            f"{results.get('duration_s', math.nan) / 60:.1f} min; load average at start "
            f"{', '.join(f'{x:.2f}' for x in results.get('load', {}).get('loadavg_at_start', []))}",
        ]
    )


def summary_table(results: dict[str, t.Any]) -> str:
    measured = {m: o for m, o in results["models"].items() if o.get("status") == "measured"}
    models = list(measured)
    rows: list[list[str]] = []

    def add(label: str, cell: t.Callable[[dict[str, t.Any]], str]) -> None:
        cells = []
        for model in models:
            try:
                cells.append(cell(measured[model]))
            except (KeyError, TypeError, IndexError, ValueError):
                cells.append("–")
        rows.append([label, *cells])

    add("model load, in-process (s)", lambda o: fmt(o["engine"]["load_seconds"]))
    add(
        "RTF, engine inference only",
        lambda o: fmt(o["files"]["summary"]["rtf"]["engine_inference"], 3),
    )
    add(
        "RTF, engine with audio decoding",
        lambda o: fmt(o["files"]["summary"]["rtf"]["engine_with_decode"], 3),
    )
    add("RTF, HTTP json", lambda o: fmt(o["files"]["summary"]["rtf"]["http_json"], 3))
    add("RTF, HTTP stream", lambda o: fmt(o["files"]["summary"]["rtf"]["http_stream"], 3))
    add(
        "HTTP json ÷ engine (median per file)",
        lambda o: fmt(o["files"]["summary"]["json_over_engine_median"], 3) + " ×",
    )
    add(
        "5 s clip p50 / p95, engine (s)",
        lambda o: (
            f"{fmt(o['latency']['engine']['p50'], 3)} / {fmt(o['latency']['engine']['p95'], 3)}"
        ),
    )
    add(
        "5 s clip p50 / p95, HTTP (s)",
        lambda o: _p50_p95(o["latency"]["http_json"]),
    )
    add("first delta / total, 60 s+ file (s)", _first_delta_cell)
    add(
        "engine's first segment, same file (s)",
        lambda o: fmt(_worst_stream(o)["engine_first_segment_s"]),
    )
    for clients in results.get("profile", {}).get("concurrency_levels", ()):
        add(
            f"throughput, {clients} client(s) (audio s/s)",
            _throughput_cell(clients),
        )
    top = max(results.get("profile", {}).get("concurrency_levels", (1,)))
    add(f"latency p50 / p95 at {top} clients (s)", lambda o: _level_latency(o, top))
    add("queued requests in arrival order", lambda o: "yes" if o["fifo"]["in_order"] else "**no**")
    add("peak RSS (MiB, VmHWM)", lambda o: fmt(o["peak_rss"]["vm_hwm_bytes"] / MIB, 0))
    add("RSS baseline → after N requests (MiB)", _memory_cell)
    add(
        "ready to serve after start (s, median)",
        lambda o: fmt(o["startup"]["seconds_to_ready_median"]),
    )
    add(
        "first request after ready (s)", lambda o: fmt(o["startup"]["starts"][0]["first_request_s"])
    )
    add(
        "WER engine / json / stream",
        lambda o: " / ".join(
            pct(o["files"]["summary"]["wer"][k]) for k in ("engine", "json", "stream")
        ),
    )
    add(
        "texts identical engine = json",
        lambda o: "yes" if o["files"]["summary"]["texts_identical"] else "**no**",
    )
    out = table(["", *models], rows)
    for model, result in results["models"].items():
        if result.get("status") != "measured":
            reason = result.get("reason") or result.get("error")
            out += f"\n\n**{model}**: not measured: {reason}"
    return out


def _worst_stream(out: dict[str, t.Any]) -> dict[str, t.Any]:
    streams = out["files"]["summary"]["first_delta"]
    return max(streams, key=lambda s: -math.inf if math.isnan(s["ratio"]) else s["ratio"])


def _first_delta_cell(out: dict[str, t.Any]) -> str:
    worst = _worst_stream(out)
    first, total = fmt(worst["first_delta_s"]), fmt(worst["total_s"])
    return f"{first} / {total} ({fmt(worst['ratio'])}, {worst['file']})"


def _p50_p95(latency: dict[str, t.Any]) -> str:
    return f"{fmt(latency['p50'], 3)} / {fmt(latency['p95'], 3)}"


def _throughput_cell(clients: int) -> t.Callable[[dict[str, t.Any]], str]:
    return lambda out: fmt(_level(out, clients)["throughput"], 1)


def _level(out: dict[str, t.Any], clients: int) -> dict[str, t.Any]:
    for level in out["throughput"]:
        if level["clients"] == clients:
            return dict(level)
    raise KeyError(clients)


def _level_latency(out: dict[str, t.Any], clients: int) -> str:
    latency = _level(out, clients)["latency"]
    return f"{fmt(latency['p50'])} / {fmt(latency['p95'])}"


def _memory_cell(out: dict[str, t.Any]) -> str:
    memory = out["memory"]
    return (
        f"{memory['baseline_rss_bytes'] / MIB:.0f} → {memory['after_rss_bytes'] / MIB:.0f} after "
        f"{memory['requests']} ({memory['growth_percent']:+.1f} %)"
    )


def targets_table(results: dict[str, t.Any]) -> str:
    rows = [
        [
            r["model"],
            r["target"],
            r["measured"],
            {True: "met", False: "**missed**", None: "n/a"}[r["met"]],
        ]
        for r in evaluate(results)
    ]
    return table(["model", "target", "measured", "verdict"], rows)


def files_table(results: dict[str, t.Any]) -> str:
    rows = []
    for model, out in results["models"].items():
        if not usable(out.get("files")):
            continue
        for f in out["files"]["files"]:
            rows.append(
                [
                    model, f["name"], fmt(f["duration_s"], 1), fmt(f["engine_total_s"]),
                    fmt(f["json_s"]),
                    fmt(f["json_over_engine"], 3), fmt(f["stream_s"]), fmt(f["first_delta_s"]),
                    fmt(f["engine_first_segment_s"]), pct(f["wer"]["json"]),
                ]
            )  # fmt: skip
    header = ["model", "file", "audio s", "engine s", "json s", "json ÷ engine", "stream s",
              "first delta s", "engine 1st segment s", "WER"]  # fmt: skip
    return table(header, rows)


def batched_table(results: dict[str, t.Any]) -> str:
    rows = []
    for model, out in results["models"].items():
        batched = out.get("batched")
        if not usable(batched):
            continue
        for row in batched["results"]:
            rows.append(
                [
                    model,
                    fmt(batched["clip"]["duration_s"], 0),
                    row["configuration"],
                    fmt(row["seconds"]),
                    fmt(row["rtf"], 3),
                    pct(row["wer"]),
                ]
            )
    return table(["model", "audio s", "decoding", "seconds", "RTF", "WER"], rows) + (
        clip_errors_table(results)
    )


def clip_errors_table(results: dict[str, t.Any]) -> str:
    """Where the joined file's words were lost: each decoding's errors in each clip."""
    rows = []
    for model, out in results["models"].items():
        batched = out.get("batched")
        if not usable(batched):
            continue
        for row in batched["results"]:
            for clip in row.get("clips", []):
                errors = clip["substitutions"] + clip["deletions"] + clip["insertions"]
                rows.append(
                    [
                        model, row["configuration"], clip["name"], str(clip["words"]),
                        f"{clip['substitutions']} / {clip['deletions']} / {clip['insertions']}",
                        pct(errors / clip["words"] if clip["words"] else 0.0),
                    ]
                )  # fmt: skip
    if not rows:
        return ""
    header = ["model", "decoding", "clip", "words", "sub. / del. / ins.", "WER"]
    return "\n\nWord errors by clip of the joined file:\n\n" + table(header, rows)


def matrix_table(results: dict[str, t.Any]) -> str:
    matrix = part(results, "workers_matrix")
    if matrix is None or part(matrix, "combinations") is None:
        return "(not measured)"
    levels = [level["clients"] for level in matrix["combinations"][0]["levels"]]
    rows = []
    for combo in matrix["combinations"]:
        cells = [fmt(level["throughput"], 1) for level in combo["levels"]]
        rows.append(
            [
                f"--workers {combo['workers']} --cpu-threads {combo['cpu_threads']}"
                + f" --batch-requests {combo.get('batch_requests', 1)}"
                + (" (oversubscribed)" if combo["oversubscribed"] else ""),
                *cells,
                fmt(combo["peak_rss_bytes"] / MIB, 0),
            ]
        )
    header = ["server flags", *[f"{c} client(s) audio s/s" for c in levels], "peak RSS MiB"]
    return f"Model `{matrix['model']}` on {matrix['cores']} cores.\n\n" + table(header, rows)


def render(results: dict[str, t.Any], plots: dict[str, str]) -> str:
    title = (
        f"# whisperd benchmark: {results['started_at'][:10]} on {results['machine']['host']} "
        f"({results['mode']})"
    )
    parts = [
        title,
        banner(results),
        environment(results),
        "## Summary\n\n" + summary_table(results),
        "## The issue's targets\n\n" + targets_table(results),
        "## Long files\n\n" + files_table(results),
        "## Batched vs sequential decoding of long audio (in-process)\n\n" + batched_table(results),
        "## Server workers × CPU threads × batched requests\n\n" + matrix_table(results),
    ]
    if plots:
        parts.append(
            "## Plots\n\n" + "\n\n".join(f"![{name}]({path})" for name, path in plots.items())
        )
    return "\n\n".join(parts) + "\n"
