"""``python -m bench.live``: measure live sessions, write ``<date>-<host>-live.{json,md}``.

python -m bench.live --models tiny.en,base          # full run (about 10 min)
python -m bench.live --quick                        # two clips, 1 and 2 sessions
python -m bench.live --protocol deepgram            # only Deepgram's /v1/listen (default both)
python -m bench.live --report bench/results/X-live.json   # re-render a run's markdown
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
import typing as t
from pathlib import Path

from bench.corpus import SharedDataMissing, default_shared_dir
from bench.live.profiles import FULL, PROFILES, PROTOCOLS, QUICK, SMOKE, LiveProtocol
from bench.live.report import evaluate, render, summary_table, targets_table

BENCH_DIR = Path(__file__).resolve().parent.parent
DEFAULT_MODELS = ("tiny.en", "base")
ProtocolChoice = t.Literal["realtime", "deepgram", "both"]
PROTOCOL_CHOICES: dict[ProtocolChoice, tuple[LiveProtocol, ...]] = {
    "realtime": ("realtime",),
    "deepgram": ("deepgram",),
    "both": PROTOCOLS,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_const", dest="profile", const=QUICK.name)
    size.add_argument("--smoke", action="store_const", dest="profile", const=SMOKE.name)
    parser.set_defaults(profile=FULL.name)
    parser.add_argument("--models", help=f"comma-separated (default {','.join(DEFAULT_MODELS)})")
    parser.add_argument(
        "--protocol",
        choices=list(PROTOCOL_CHOICES),
        default=None,
        help="which live protocol to measure (default: the profile's, both)",
    )
    parser.add_argument("--out-dir", type=Path, default=BENCH_DIR / "results")
    parser.add_argument("--shared-dir", type=Path, default=default_shared_dir())
    parser.add_argument("--report", type=Path, help="re-render the markdown of a results JSON")
    return parser.parse_args(argv)


def output_stem(results: dict[str, t.Any], out_dir: Path) -> Path:
    host = re.sub(r"[^A-Za-z0-9_.-]+", "-", results["machine"]["host"])
    suffix = "" if results["mode"] == FULL.name else f"-{results['mode']}"
    return out_dir / f"{results['started_at'][:10]}-{host}-live{suffix}"


def clean(value: t.Any) -> t.Any:
    """JSON has no NaN: null instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def restore(value: t.Any) -> t.Any:
    """null back to NaN where the report expects numbers."""
    if value is None:
        return math.nan
    if isinstance(value, dict):
        return {k: v if k in ("met", "transcript", "reason") else restore(v)
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [restore(v) for v in value]
    return value


def write_outputs(results: dict[str, t.Any], stem: Path) -> dict[str, Path]:
    stem.parent.mkdir(parents=True, exist_ok=True)
    results["targets"] = evaluate(results)
    json_path = stem.with_name(stem.name + ".json")
    json_path.write_text(json.dumps(clean(results), indent=1, ensure_ascii=False) + "\n")
    markdown_path = stem.with_name(stem.name + ".md")
    markdown_path.write_text(render(results))
    return {"json": json_path, "markdown": markdown_path}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report is not None:
        results = restore(json.loads(args.report.read_text()))
        for name, path in write_outputs(results, args.report.with_suffix("")).items():
            print(f"{name}: {path}")
        return 0
    profile = PROFILES[args.profile]
    default = ["tiny.en"] if profile is SMOKE else list(DEFAULT_MODELS)
    models = args.models.split(",") if args.models else default
    from bench.live.run import LiveRun  # imports the engine: only when there is a run

    try:
        protocols = PROTOCOL_CHOICES[args.protocol] if args.protocol else None
        run = LiveRun(profile, models, args.shared_dir, protocols)
    except SharedDataMissing as missing:
        print(f"bench skipped: {missing}")
        return 0
    results = run.execute()
    written = write_outputs(results, output_stem(results, args.out_dir))
    if any(out.get("status") == "measured" for out in results["models"].values()):
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
        print("FAILED:\n  " + "\n  ".join(run.errors), file=sys.stderr)
        print(f"server logs kept in {run.scratch}", file=sys.stderr)
        return 1
    shutil.rmtree(run.scratch, ignore_errors=True)
    return 0
