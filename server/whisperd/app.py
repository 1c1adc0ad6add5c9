"""The ASGI application: Connexion serving spec/openapi.yaml, routed to whisperd.handlers.

Connexion routes each ``operationId`` to its handler and validates requests against the
spec (multipart bodies through :class:`whisperd.form.MultipartValidator`). Every error,
Connexion's and Starlette's included, is answered in OpenAI's envelope.
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
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from whisperd.auth import ApiKeyMiddleware, load_keys
from whisperd.errors import (
    INVALID_REQUEST,
    ApiError,
    error_json,
    server_error,
    unsupported_media_type,
)
from whisperd.form import MultipartValidator
from whisperd.limits import BodyLimitMiddleware
from whisperd.observability import Metrics, ObservabilityMiddleware, RouteNamer
from whisperd.service import Transcriber
from whisperd.settings import Settings

logger = logging.getLogger("whisperd")

SPEC_PATH = Path(__file__).resolve().parent / "openapi.yaml"
HANDLERS_MODULE = "whisperd.handlers"


class OperationIdResolver(Resolver):  # type: ignore[misc]
    """``createTranscription`` -> ``whisperd.handlers.create_transcription``."""

    def __init__(self, module: str) -> None:
        super().__init__()
        self.module = module

    def resolve_operation_id(self, operation: t.Any) -> str:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", operation.operation_id).lower()
        return f"{self.module}.{snake}"


def _response(error: ApiError) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=error.status,
        body=error_json(error),
        content_type="application/json",
        headers=error.headers,
    )


def handle_api_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ApiError)
    return _response(exc)


def handle_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """Connexion's own errors (routing, content type, validation) in OpenAI's envelope."""
    assert isinstance(exc, ProblemException | HTTPException)
    status = exc.status if isinstance(exc, ProblemException) else exc.status_code
    detail = str(getattr(exc, "detail", "") or getattr(exc, "title", "") or "")
    method = request.scope.get("method", "")
    path = request.scope.get("path", "")
    if status == 404:
        message = f"Invalid URL ({method} {path})"
    elif status == 405:
        message = f"Method {method} is not allowed for {path}."
    elif status == 415:
        return _response(unsupported_media_type(request.headers.get("content-type")))
    else:
        # Connexion's parameter errors are a jsonschema dump; its first line says it all.
        message = detail.split("\n", 1)[0] or "The request could not be processed."
    if status >= 500:
        logger.error("internal error answering %s %s: %s", method, path, detail)
        return _response(server_error("The server had an error while processing your request."))
    headers = dict(getattr(exc, "headers", None) or {})
    return _response(ApiError(status, message, INVALID_REQUEST, headers=headers))


def handle_unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    logger.exception(
        "unexpected error answering %s %s",
        request.scope.get("method"),
        request.scope.get("path"),
        exc_info=exc,
    )
    return _response(server_error("The server had an error while processing your request."))


IDLE_SWEEP_SECONDS = 30.0


def create_app(settings: Settings) -> AsyncApp:
    """Build the application from the spec and ``settings``."""
    metrics = Metrics()
    keys = load_keys(settings.api_key, settings.api_keys_file)
    # The spec documents the optional bearer scheme; ApiKeyMiddleware enforces it, so
    # Connexion's warning that it has no token function of its own is noise.
    logging.getLogger("connexion.security").setLevel(logging.ERROR)
    if not settings.is_loopback and not keys:
        logger.warning(
            "listening on %s without API keys: anyone who can reach this address can use "
            "the server (set --api-key or WHISPERD_API_KEY)",
            settings.host,
        )

    @contextlib.asynccontextmanager
    async def lifespan(_app: t.Any) -> t.AsyncIterator[dict[str, t.Any]]:
        service = Transcriber(settings, metrics)
        # Serve at once (/health, /ready says "loading") while the default model loads.
        loading = asyncio.create_task(service.load_default_model())
        sweeping = asyncio.create_task(_sweep_idle_models(service))
        logger.info(
            "serving the OpenAI Audio API on http://%s:%d/v1 (default model %s)",
            settings.host, settings.port, service.models.default_model,
        )  # fmt: skip
        try:
            yield {"transcriber": service}
        finally:
            sweeping.cancel()
            loading.cancel()
            cancelled = service.runner.cancel_all()
            if cancelled:
                logger.info("shutting down: cancelled %d running transcription(s)", cancelled)
            await asyncio.to_thread(service.runner.shutdown)

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
    app.add_middleware(ApiKeyMiddleware, position=before, keys=keys)
    app.add_middleware(
        BodyLimitMiddleware, position=before, max_body_bytes=settings.max_upload_bytes
    )
    return app


async def _sweep_idle_models(service: Transcriber) -> None:
    if service.models.idle_ttl is None:
        return
    while True:
        await asyncio.sleep(min(IDLE_SWEEP_SECONDS, service.models.idle_ttl))
        service.models.unload_idle()
