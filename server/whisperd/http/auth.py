"""Optional API keys, checked in constant time: ``Authorization: Bearer <key>`` on HTTP;
on sockets also Deepgram's ``Authorization: Token <key>`` and the browser forms, which
carry the key in a WebSocket subprotocol (``openai-insecure-api-key.<key>``, or
``token`` followed by the key).

With no key configured the server is open (it binds to loopback by default). With keys,
every route but the probes (``/health``, ``/ready``) needs one; a missing or wrong key is
answered 401 in OpenAI's words before any of the request body is read. Sockets are
answered by their own endpoint, in their protocol's shape (:class:`SocketAuth`).
"""

from __future__ import annotations

import hashlib
import hmac
import typing as t
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from whisperd.deepgram import LISTEN_PATH
from whisperd.errors import ApiError, missing_api_key, wrong_api_key
from whisperd.http.errors import send_error

OPEN_PATHS = frozenset({"/health", "/ready"})
# The web page (at / and under /ui/) holds no data and asks for the key itself.
UI_PREFIX = "/ui/"
# Deepgram's routes also take its ``Authorization: Token <key>``.
TOKEN_PATHS = frozenset({LISTEN_PATH})
OPENAI_KEY_SUBPROTOCOL = "openai-insecure-api-key."


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


class KeyChecker:
    def __init__(self, keys: list[str]) -> None:
        # Comparing fixed-length digests keeps the time independent of the key's length.
        self._digests = [_digest(key) for key in keys]

    @property
    def open(self) -> bool:
        return not self._digests

    def accepts(self, presented: str) -> bool:
        candidate = _digest(presented)
        matched = False
        for digest in self._digests:  # no early exit: every key is compared
            matched |= hmac.compare_digest(candidate, digest)
        return matched

    def refusal(self, presented: str | None) -> ApiError | None:
        """Why a request presenting ``presented`` is refused, or None."""
        if self.open:
            return None
        if not presented:
            return missing_api_key()
        return None if self.accepts(presented) else wrong_api_key(presented)


def bearer_token(scope: Scope, schemes: t.Collection[str] = ("bearer",)) -> str | None:
    header = Headers(scope=scope).get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() in schemes else None


@dataclass(frozen=True)
class SocketAuth:
    """A socket's credentials: where the key came from decides nothing, the key does."""

    refusal: ApiError | None
    subprotocols: tuple[str, ...]  # offered by the client, key-bearing ones included

    @classmethod
    def of(cls, scope: Scope, checker: KeyChecker) -> SocketAuth:
        offered = tuple(scope.get("subprotocols") or ())
        key = bearer_token(scope, ("bearer", "token"))
        for index, protocol in enumerate(offered):
            if key is None and protocol.startswith(OPENAI_KEY_SUBPROTOCOL):
                key = protocol.removeprefix(OPENAI_KEY_SUBPROTOCOL)
            elif key is None and protocol == "token" and index + 1 < len(offered):
                key = offered[index + 1]  # Deepgram's browser form
        return cls(checker.refusal(key), offered)


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, keys: list[str]) -> None:
        self.app = app
        self.checker = KeyChecker(keys)

    def accepts(self, presented: str) -> bool:
        return self.checker.accepts(presented)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or self.checker.open:
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/" or scope["path"].startswith(UI_PREFIX):
            await self.app(scope, receive, send)
            return
        schemes = ("bearer", "token") if scope["path"].rstrip("/") in TOKEN_PATHS else ("bearer",)
        refusal = self.checker.refusal(bearer_token(scope, schemes))
        if refusal is not None:
            await send_error(send, refusal)
            return
        await self.app(scope, receive, send)
