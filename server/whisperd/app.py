"""The ASGI application: Connexion serving spec/openapi.yaml, routed to whisperd.handlers.

Connexion routes each ``operationId`` to its handler and validates requests against the
spec (multipart bodies through :class:`whisperd.form.MultipartValidator`). Every error,
Connexion's and Starlette's included, is answered in OpenAI's envelope.
"""

from __future__ import annotations

import contextlib
import logging
import re
import typing as t
from pathlib import Path

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from whisperd.errors import INVALID_REQUEST, ApiError, error_json, server_error
from whisperd.form import MultipartValidator
from whisperd.limits import BodyLimitMiddleware
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
        content_type = request.headers.get("content-type", "none")
        message = (
            f"Invalid Content-Type '{content_type}': this endpoint takes multipart/form-data "
            "(a file upload)."
        )
    else:
        message = detail or "The request could not be processed."
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


def create_app(settings: Settings, transcriber: Transcriber | None = None) -> AsyncApp:
    """Build the application; ``transcriber`` may be injected (tests share one)."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: t.Any) -> t.AsyncIterator[dict[str, t.Any]]:
        service = transcriber or Transcriber(settings)
        await service.load_default_model()
        logger.info(
            "serving the OpenAI Audio API on http://%s:%d/v1 (default model %s)",
            settings.host, settings.port, service.models.default_model,
        )  # fmt: skip
        try:
            yield {"transcriber": service}
        finally:
            if transcriber is None:
                service.runner.shutdown()

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
    app.add_middleware(
        BodyLimitMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        max_body_bytes=settings.max_upload_bytes,
    )
    return app
