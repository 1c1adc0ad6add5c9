"""Downloading CTranslate2 Whisper models from the Hugging Face hub, verified.

Uses the hub's public HTTP API directly: ``GET /api/models/<repo>/tree/<revision>`` lists
the files with their sizes and hashes (SHA-256 for LFS files, the git blob SHA-1 for small
ones), and ``GET /<repo>/resolve/<revision>/<path>`` serves each file. Every file is
streamed to a staging directory, checked against its size and hash, and the directory is
moved into place only when all are good. ``HF_ENDPOINT`` selects another hub (or a local
stand-in, which is how the tests run it offline); ``HF_TOKEN`` is sent when set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ENDPOINT = "https://huggingface.co"
# What faster-whisper needs from a conversion; other files in the repo are skipped.
WANTED_FILES = (
    "model.bin",
    "config.json",
    "tokenizer.json",
    "vocabulary.txt",
    "vocabulary.json",
    "preprocessor_config.json",
)
_CHUNK = 1024 * 1024

Progress = Callable[[str, int, int], None]  # (file, bytes so far, total bytes)


class HubError(Exception):
    """The hub could not be reached, or served something that failed verification."""


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int
    sha256: str | None  # LFS files
    git_sha1: str | None  # small files: the git blob id

    def verify(self, sha256: str, git_sha1: str, size: int) -> None:
        if size != self.size:
            raise HubError(f"{self.path}: got {size} bytes, the hub lists {self.size}")
        if self.sha256 is not None and sha256 != self.sha256:
            raise HubError(f"{self.path}: SHA-256 mismatch (corrupt download)")
        if self.sha256 is None and self.git_sha1 is not None and git_sha1 != self.git_sha1:
            raise HubError(f"{self.path}: git SHA-1 mismatch (corrupt download)")


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/")


def _request(url: str) -> urllib.request.Request:
    request = urllib.request.Request(url, headers={"User-Agent": "whisperd"})
    token = os.environ.get("HF_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    return request


def list_files(repo: str, revision: str = "main") -> list[RemoteFile]:
    url = f"{endpoint()}/api/models/{repo}/tree/{urllib.parse.quote(revision)}"
    try:
        with urllib.request.urlopen(_request(url), timeout=60) as response:
            entries = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise HubError(f"could not list {repo} on {endpoint()}: {exc}") from exc
    files = []
    for entry in entries:
        if entry.get("type") != "file" or entry.get("path") not in WANTED_FILES:
            continue
        lfs = entry.get("lfs") or {}
        files.append(
            RemoteFile(
                path=entry["path"],
                size=int(lfs.get("size", entry.get("size", 0))),
                sha256=lfs.get("oid"),
                git_sha1=None if lfs else entry.get("oid"),
            )
        )
    if not any(file.path == "model.bin" for file in files):
        raise HubError(f"{repo} has no model.bin: it is not a CTranslate2 conversion")
    return files


def download(
    repo: str, target: Path, *, revision: str = "main", progress: Progress | None = None
) -> Path:
    """Download ``repo`` into ``target`` (replacing it only once everything verified)."""
    files = list_files(repo, revision)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.download.", dir=target.parent))
    try:
        for remote in files:
            _fetch(repo, revision, remote, staging / remote.path, progress)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _fetch(
    repo: str, revision: str, remote: RemoteFile, destination: Path, progress: Progress | None
) -> None:
    url = f"{endpoint()}/{repo}/resolve/{urllib.parse.quote(revision)}/{remote.path}"
    sha256 = hashlib.sha256()
    git_sha1 = hashlib.sha1(f"blob {remote.size}\0".encode())  # git's own blob id
    received = 0
    try:
        with (
            urllib.request.urlopen(_request(url), timeout=60) as response,
            open(destination, "wb") as out,
        ):
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                sha256.update(chunk)
                git_sha1.update(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(remote.path, received, remote.size)
    except (urllib.error.URLError, OSError) as exc:
        raise HubError(f"could not download {remote.path} from {repo}: {exc}") from exc
    remote.verify(sha256.hexdigest(), git_sha1.hexdigest(), received)
