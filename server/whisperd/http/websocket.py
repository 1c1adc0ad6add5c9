"""WebSocket routes beside the Connexion app (Connexion routes HTTP only), in the same ASGI
app: the same lifespan state (the service), keys and logs. Each socket endpoint gets the
scope with its :class:`~whisperd.http.auth.SocketAuth` and answers a refused key in its own
protocol's shape."""

from __future__ import annotations

import logging
import typing as t

from starlette.types import ASGIApp, Receive, Scope, Send

from whisperd.http.auth import KeyChecker, SocketAuth

logger = logging.getLogger("whisperd.sockets")

AUTH_SCOPE_KEY = "whisperd.auth"
SocketEndpoint = t.Callable[[Scope, Receive, Send], t.Awaitable[None]]


def socket_auth(scope: Scope) -> SocketAuth:
    auth = scope.get(AUTH_SCOPE_KEY)
    assert isinstance(auth, SocketAuth), "sockets are routed by SocketRouter"
    return auth


class SocketRouter:
    def __init__(self, app: ASGIApp, routes: dict[str, SocketEndpoint], keys: KeyChecker) -> None:
        self.app = app
        self.routes = routes
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        endpoint = self.routes.get(scope["path"].rstrip("/"))
        if endpoint is None:
            # Before the handshake completes, a close is an HTTP 403 to the client.
            logger.info("websocket to unknown path %s refused", scope["path"])
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008, "reason": "unknown path"})
            return
        scope = dict(scope)
        scope[AUTH_SCOPE_KEY] = SocketAuth.of(scope, self.keys)
        await endpoint(scope, receive, send)
