"""Every error of the HTTP routes in OpenAI's envelope: ours (:class:`ApiError`),
Connexion's (routing, content type, validation), Starlette's, and anything unexpected."""

from __future__ import annotations

import logging

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.types import Send

from whisperd import errors
from whisperd.errors import ApiError

logger = logging.getLogger("whisperd")


def error_response(error: ApiError) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=error.status,
        body=error.json(),
        content_type="application/json",
        headers=error.headers,
    )


def handle_api_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


def handle_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ProblemException | HTTPException)
    status = exc.status if isinstance(exc, ProblemException) else exc.status_code
    detail = str(getattr(exc, "detail", "") or getattr(exc, "title", "") or "")
    method = request.scope.get("method", "")
    path = request.scope.get("path", "")
    headers = dict(getattr(exc, "headers", None) or {})  # e.g. the Allow of a 405
    if status == 404:
        return error_response(errors.invalid_url(method, path))
    if status == 405:
        not_allowed = errors.method_not_allowed(method, path)
        not_allowed.headers.update(headers)
        return error_response(not_allowed)
    if status == 415:
        return error_response(errors.unsupported_media_type(request.headers.get("content-type")))
    if status >= 500:
        logger.error("internal error answering %s %s: %s", method, path, detail)
        return error_response(errors.server_error())
    # Connexion's parameter errors are a jsonschema dump; its first line says it all.
    message = detail.split("\n", 1)[0] or "The request could not be processed."
    return error_response(ApiError(status, message, headers=headers))


def handle_unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    logger.exception(
        "unexpected error answering %s %s",
        request.scope.get("method"),
        request.scope.get("path"),
        exc_info=exc,
    )
    return error_response(errors.server_error())


async def send_error(
    send: Send, error: ApiError, *, body: bytes | None = None, close_connection: bool = True
) -> None:
    """Answer from a middleware: ``error`` in OpenAI's envelope (or ``body``, another
    protocol's shape of it). Before the app (and its body reading) is reached the
    connection closes; a middleware that has read the body may keep it open."""
    body = error.json() if body is None else body
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close_connection:
        headers.append((b"connection", b"close"))
    headers += [(name.lower().encode(), value.encode()) for name, value in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
