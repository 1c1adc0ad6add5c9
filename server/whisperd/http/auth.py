"""Optional API keys: ``Authorization: Bearer <key>``, checked in constant time.

With no key configured the server is open (it binds to loopback by default). With keys,
every route but the probes (``/health``, ``/ready``) needs one; a missing or wrong key is
answered 401 in OpenAI's words before any of the request body is read.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from whisperd.errors import missing_api_key, wrong_api_key
from whisperd.http.errors import send_error

OPEN_PATHS = frozenset({"/health", "/ready"})


def load_keys(inline: str, keys_file: str) -> list[str]:
    """Keys from a comma-separated setting and a file of one key per line (# comments)."""
    keys = [key.strip() for key in inline.split(",") if key.strip()]
    if keys_file:
        for line in Path(keys_file).read_text().splitlines():
            key = line.split("#", 1)[0].strip()
            if key:
                keys.append(key)
    return keys


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, keys: list[str]) -> None:
        self.app = app
        # Comparing fixed-length digests keeps the time independent of the key's length.
        self._digests = [_digest(key) for key in keys]

    def accepts(self, presented: str) -> bool:
        candidate = _digest(presented)
        matched = False
        for digest in self._digests:  # no early exit: every key is compared
            matched |= hmac.compare_digest(candidate, digest)
        return matched

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or not self._digests:
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            await send_error(send, missing_api_key())
            return
        if not self.accepts(token):
            await send_error(send, wrong_api_key(token))
            return
        await self.app(scope, receive, send)
