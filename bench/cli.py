"""``python -m bench``: measure, then write ``<date>-<host>.json``, ``.md`` and PNG plots.

python -m bench                      # full run, every model (make bench)
python -m bench --quick              # a few minutes, for working on the harness
python -m bench --smoke --out-dir D  # end to end on tiny inputs (make bench-smoke)
python -m bench --models base --skip matrix,batched
python -m bench --report bench/results/X.json   # re-render a run's markdown and plots
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import socket
import sys
import typing as t
from pathlib import Path

from bench.corpus import SharedDataMissing, default_shared_dir
from bench.plots import write_plots
from bench.profiles import FULL, PARTS, PROFILES, QUICK, SMOKE
from bench.report import render, summary_table, targets_table
from bench.targets import evaluate

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_MODELS = ("tiny.en", "base", "small")
README = BENCH_DIR / "README.md"
README_START = "<!-- bench:latest:start -->"
README_END = "<!-- bench:latest:end -->"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        action="store_const",
        dest="profile",
        const=QUICK.name,
        help="fewer repetitions, shorter audio",
    )
    size.add_argument(
        "--smoke",
        action="store_const",
        dest="profile",
        const=SMOKE.name,
        help="tiny inputs, tiny.en only: checks the harness",
    )
    parser.set_defaults(profile=FULL.name)
    parser.add_argument(
        "--models",
        help=f"comma-separated model ids (default: {','.join(DEFAULT_MODELS)}; smoke: tiny.en)",
    )
    parser.add_argument(
        "--skip", default="", help=f"comma-separated parts to leave out: {','.join(PARTS)}"
    )
    parser.add_argument(
        "--matrix-model", help="model for the workers × threads matrix (default: base)"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=BENCH_DIR / "results", help="where results go"
    )
    parser.add_argument(
        "--shared-dir",
        type=Path,
        default=default_shared_dir(),
        help="the shared corpus (../shared)",
    )
    parser.add_argument(
        "--update-readme",
        action="store_true",
        help="put this run's tables and plots in bench/README.md",
    )
    parser.add_argument(
        "--report", type=Path, help="re-render the markdown and plots of an existing results JSON"
    )
    return parser.parse_args(argv)


def output_stem(results: dict[str, t.Any], out_dir: Path) -> Path:
    host = re.sub(r"[^A-Za-z0-9_.-]+", "-", results["machine"]["host"] or socket.gethostname())
    suffix = "" if results["mode"] == FULL.name else f"-{results['mode']}"
    return out_dir / f"{results['started_at'][:10]}-{host}{suffix}"


def _clean(value: t.Any) -> t.Any:
    """JSON has no NaN: write null instead."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _restore(value: t.Any) -> t.Any:
    """null back to NaN where the report expects numbers (it shows them as –)."""
    if value is None:
        return math.nan
    if isinstance(value, dict):
        return {
            k: _restore(v)
            if k not in ("error", "reason", "best", "speedup", "wer_delta", "met")
            else v
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def write_outputs(results: dict[str, t.Any], stem: Path, update_readme: bool) -> dict[str, Path]:
    stem.parent.mkdir(parents=True, exist_ok=True)
    results["targets"] = evaluate(results)
    json_path = stem.with_suffix(".json")
    json_path.write_text(json.dumps(_clean(results), indent=1, ensure_ascii=False) + "\n")
    plots = write_plots(results, stem)
    relative = {name: path.name for name, path in plots.items()}
    markdown_path = stem.with_suffix(".md")
    markdown_path.write_text(render(results, relative))
    if update_readme:
        update_readme_section(results, stem, plots)
    return {"json": json_path, "markdown": markdown_path, **plots}


def _from_readme(path: Path) -> str:
    return os.path.relpath(path, README.parent)


def update_readme_section(results: dict[str, t.Any], stem: Path, plots: dict[str, Path]) -> None:
    text = README.read_text()
    if README_START not in text or README_END not in text:
        raise SystemExit(f"{README} lacks the {README_START} / {README_END} markers")
    images = "\n\n".join(f"![{name}]({_from_readme(path)})" for name, path in plots.items())
    section = "\n\n".join(
        [
            README_START,
            f"Latest run: [{stem.name}.md]({_from_readme(stem)}.md) "
            f"({results['mode']} profile, foreign load {results['load']['foreign_cores']:.2f} cores"
            f"{', CONTAMINATED' if results['load']['contaminated'] else ''}).",
            summary_table(results),
            targets_table(results),
            images,
            README_END,
        ]
    )
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    README.write_text(head + section + tail)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report is not None:
        results = _restore(json.loads(args.report.read_text()))
        stem = args.report.with_suffix("")
        for name, path in write_outputs(results, stem, args.update_readme).items():
            print(f"{name}: {path}")
        return 0
    profile = PROFILES[args.profile]
    models = (
        args.models.split(",")
        if args.models
        else (["tiny.en"] if profile is SMOKE else list(DEFAULT_MODELS))
    )
    skip = {part for part in args.skip.split(",") if part}
    unknown = skip - set(PARTS)
    if unknown:
        print(
            f"unknown parts to skip: {', '.join(sorted(unknown))} (known: {', '.join(PARTS)})",
            file=sys.stderr,
        )
        return 2
    from bench.run import Run  # imports the engine: only when there is something to run

    try:
        run = Run(profile, models, skip, args.shared_dir, args.matrix_model)
    except SharedDataMissing as missing:
        print(f"bench skipped: {missing}")
        return 0
    results = run.execute()
    stem = output_stem(results, args.out_dir)
    written = write_outputs(results, stem, args.update_readme)
    print(summary_table(results))
    print()
    print(targets_table(results))
    print()
    for name, path in written.items():
        print(f"{name}: {path}")
    if results["load"]["contaminated"]:
        print(
            f"NOTE: other processes used {results['load']['foreign_cores']:.2f} cores during "
            "the run: the figures are contaminated."
        )
    if run.errors:
        print("FAILED parts:\n  " + "\n  ".join(run.errors), file=sys.stderr)
        print(f"server logs and joined audio kept in {run.scratch}", file=sys.stderr)
        return 1
    shutil.rmtree(run.scratch, ignore_errors=True)
    return 0
