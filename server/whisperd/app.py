"""The composition root: the service, the Connexion app serving spec/openapi.yaml (each
``operationId`` routed to :mod:`whisperd.http.handlers`), the middleware around it, and the
WebSocket routes beside it (the Realtime API, spec/realtime.asyncapi.yaml).

Connexion validates requests against the spec (multipart bodies through
:class:`whisperd.http.form.MultipartValidator`); every error, Connexion's and Starlette's
included, is answered in OpenAI's envelope (:mod:`whisperd.http.errors`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import typing as t
from pathlib import Path

import yaml
from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from whisperd.core.service import Service
from whisperd.deepgram import LISTEN_PATH
from whisperd.deepgram.rest import DeepgramErrorMiddleware
from whisperd.deepgram.socket import deepgram_endpoint
from whisperd.errors import ApiError
from whisperd.http.auth import ApiKeyMiddleware, KeyChecker, load_keys
from whisperd.http.errors import handle_api_error, handle_problem, handle_unexpected
from whisperd.http.form import MultipartValidator
from whisperd.http.limits import BodyLimitMiddleware
from whisperd.http.observability import ObservabilityMiddleware, RouteNamer
from whisperd.http.websocket import SocketRouter
from whisperd.metrics import Metrics
from whisperd.realtime.socket import REALTIME_PATH, realtime_endpoint
from whisperd.settings import Settings

logger = logging.getLogger("whisperd")

SPEC_PATH = Path(__file__).resolve().parent / "openapi.yaml"
HANDLERS_MODULE = "whisperd.http.handlers"


class OperationIdResolver(Resolver):  # type: ignore[misc]
    """``createTranscription`` -> ``whisperd.http.handlers.create_transcription``."""

    def __init__(self, module: str) -> None:
        super().__init__()
        self.module = module

    def resolve_operation_id(self, operation: t.Any) -> str:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", operation.operation_id).lower()
        return f"{self.module}.{snake}"


def create_app(settings: Settings) -> SocketRouter:
    """Build the application from the spec and ``settings``: the HTTP API, and the
    WebSocket routes beside it."""
    metrics = Metrics()
    keys = load_keys(settings.api_key, settings.api_keys_file)
    # The spec documents the optional bearer scheme; ApiKeyMiddleware enforces it, so
    # Connexion's warning that it has no token function of its own is noise.
    logging.getLogger("connexion.security").setLevel(logging.ERROR)
    # /v1/listen takes any media type; Connexion warns about that on every request.
    logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)
    if not settings.is_loopback and not keys:
        logger.warning(
            "listening on %s without API keys: anyone who can reach this address can use "
            "the server (set --api-key or WHISPERD_API_KEY)",
            settings.host,
        )

    @contextlib.asynccontextmanager
    async def lifespan(_app: t.Any) -> t.AsyncIterator[dict[str, t.Any]]:
        service = Service(settings, metrics)
        # Serve at once (/health, /ready says "loading") while the default model loads.
        loading = asyncio.create_task(service.load_default_model())
        sweeping = asyncio.create_task(service.sweep_idle_models())
        logger.info(
            "serving the OpenAI Audio API on http://%s:%d/v1 (default model %s)",
            settings.host, settings.port, service.default_model,
        )  # fmt: skip
        try:
            yield {"service": service}
        finally:
            sweeping.cancel()
            loading.cancel()
            await service.close()

    app = AsyncApp(
        __name__,
        lifespan=lifespan,
        validator_map={"body": {"multipart/form-data": MultipartValidator}},
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),
    )
    app.add_api(SPEC_PATH, resolver=OperationIdResolver(HANDLERS_MODULE))
    app.add_error_handler(ApiError, handle_api_error)
    app.add_error_handler(ProblemException, handle_problem)
    app.add_error_handler(HTTPException, handle_problem)
    app.add_error_handler(Exception, handle_unexpected)
    # Connexion inserts each of these just outside its exception middleware, so the first
    # added ends up outermost: ids and metrics see every answer; keys are checked before
    # any body is read; the size limit then counts the body as it streams in.
    before = MiddlewarePosition.BEFORE_EXCEPTION
    routes = RouteNamer(yaml.safe_load(SPEC_PATH.read_text())["paths"])
    app.add_middleware(ObservabilityMiddleware, position=before, metrics=metrics, routes=routes)
    # Inside the ids, outside everything that may refuse: /v1/listen errors in Deepgram's shape.
    app.add_middleware(DeepgramErrorMiddleware, position=before)
    app.add_middleware(ApiKeyMiddleware, position=before, keys=keys)
    app.add_middleware(
        BodyLimitMiddleware,
        position=before,
        max_body_bytes=settings.max_upload_bytes,
        stall_timeout=settings.upload_stall_timeout,
    )
    return SocketRouter(
        app,
        {REALTIME_PATH: realtime_endpoint, LISTEN_PATH: deepgram_endpoint},
        KeyChecker(keys),
    )
