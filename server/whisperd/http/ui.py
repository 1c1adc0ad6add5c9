"""The handlers of the web page's routes (``/`` and ``/ui/{file}``), re-exported by
:mod:`whisperd.http.handlers`. Both answer 404, as an unknown route does, under ``no_ui``."""

from __future__ import annotations

from connexion import request
from starlette.responses import Response

from whisperd import errors
from whisperd.core.service import Service
from whisperd.settings import Settings
from whisperd.ui import CONTENT_TYPES, INDEX, SECURITY_HEADERS, index_page, static_file


def _not_found() -> errors.ApiError:
    return errors.invalid_url(request.scope.get("method", "GET"), request.scope["path"])


def _ui_settings() -> Settings:
    service = request.state.service
    assert isinstance(service, Service)
    if service.settings.no_ui:
        raise _not_found()
    return service.settings


async def get_ui_index() -> Response:
    """GET /"""
    settings = _ui_settings()
    needs_key = bool(settings.api_key.strip(", ") or settings.api_keys_file)
    return Response(
        index_page(needs_key), media_type=CONTENT_TYPES[".html"], headers=SECURITY_HEADERS
    )


async def get_ui_file(file: str) -> Response:
    """GET /ui/{file}"""
    _ui_settings()
    found = static_file(file) if file != INDEX else None  # the page itself is served at /
    if found is None:
        raise _not_found()
    return Response(found.body, media_type=found.content_type, headers=SECURITY_HEADERS)
