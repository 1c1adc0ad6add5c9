"""The web page served at ``/``: plain HTML, CSS and JavaScript in ``static/``, no build
step and nothing fetched from elsewhere, so it works on a machine without internet.

Files are read once from the package into a table keyed by file name; a request names a
key of that table or gets a 404, so no request can reach a file outside ``static/``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

INDEX = "index.html"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# The page loads only its own files and talks only to this server (HTTP and WebSocket);
# media are the user's own file or recording, played from blob: URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str


@functools.cache
def static_files() -> dict[str, StaticFile]:
    """Every servable file of ``static/`` by name (a flat folder, known suffixes only)."""
    folder = resources.files(__name__) / "static"
    files: dict[str, StaticFile] = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rpartition(".")[2]
        if entry.is_file() and suffix in CONTENT_TYPES:
            files[entry.name] = StaticFile(entry.read_bytes(), CONTENT_TYPES[suffix])
    return files


def static_file(name: str) -> StaticFile | None:
    return static_files().get(name)


def index_page(needs_key: bool) -> bytes:
    """The page, told whether the server wants an API key, so it can ask for one before
    making a request that would be refused."""
    body = static_files()[INDEX].body
    return body.replace(b'data-auth="open"', b'data-auth="key"', 1) if needs_key else body
