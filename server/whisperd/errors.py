"""OpenAI's error envelope, and the one exception type handlers raise to produce it.

Every error the server sends, whether raised by a handler, by request validation or by
the routing layer, is rendered by :func:`error_body` so that clients written against
api.openai.com (which read ``error.message``, ``error.type``, ``error.param`` and
``error.code``) parse it unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

INVALID_REQUEST = "invalid_request_error"
SERVER_ERROR = "server_error"
AUTHENTICATION_ERROR = "authentication_error"
RATE_LIMIT_ERROR = "rate_limit_error"


@dataclass
class ApiError(Exception):
    """An error answered to the client in OpenAI's envelope."""

    status: int
    message: str
    type: str = INVALID_REQUEST
    param: str | None = None
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # OpenAI adds {"type": "duration", "seconds": 0} to errors of its audio endpoints.
    usage: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.param, self.code, usage=self.usage)


def error_body(
    message: str,
    type: str = INVALID_REQUEST,
    param: str | None = None,
    code: str | None = None,
    *,
    usage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": {"message": message, "type": type, "param": param, "code": code}
    }
    if usage is not None:
        body["usage"] = usage
    return body


def error_json(error: ApiError) -> bytes:
    return json.dumps(error.body(), ensure_ascii=False, separators=(",", ":")).encode()


AUDIO_ERROR_USAGE: dict[str, Any] = {"type": "duration", "seconds": 0}


def bad_request(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    """A 400 from an audio endpoint, shaped as OpenAI's (with its zero usage)."""
    return ApiError(400, message, INVALID_REQUEST, param, code, usage=dict(AUDIO_ERROR_USAGE))


def unsupported_media_type(content_type: str | None) -> ApiError:
    """The body is not a multipart form at all (a JSON body, or none)."""
    return ApiError(
        415,
        f"Invalid Content-Type '{content_type or 'none'}': this endpoint takes "
        "multipart/form-data (a file upload).",
        INVALID_REQUEST,
    )


def not_found(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(404, message, INVALID_REQUEST, param, code)


def server_error(message: str, code: str | None = None) -> ApiError:
    return ApiError(500, message, SERVER_ERROR, None, code)
