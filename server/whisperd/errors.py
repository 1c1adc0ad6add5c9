"""OpenAI's error envelope, the one exception type that carries it, and every error the
server answers, made here so each message is written once.

Every error the server sends, whether raised by a handler, by request validation, by the
routing layer or on a socket, is an :class:`ApiError`, so that clients written against
api.openai.com (which read ``error.message``, ``error.type``, ``error.param`` and
``error.code``) parse it unchanged. The HTTP status travels with it; each transport renders
it in its own shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

INVALID_REQUEST = "invalid_request_error"
SERVER_ERROR = "server_error"
# OpenAI's 429s on its audio endpoints carry type "requests" (reported-errors.json).
RATE_LIMIT = "requests"

# OpenAI adds {"type": "duration", "seconds": 0} to errors of its audio endpoints.
AUDIO_ERROR_USAGE: dict[str, Any] = {"type": "duration", "seconds": 0}
SUPPORTED_FORMATS = "['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']"


@dataclass
class ApiError(Exception):
    """An error answered to the client in OpenAI's envelope."""

    status: int
    message: str
    type: str = INVALID_REQUEST
    param: str | None = None
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    usage: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        error = {"message": self.message, "type": self.type, "param": self.param}
        body: dict[str, Any] = {"error": {**error, "code": self.code}}
        if self.usage is not None:
            body["usage"] = self.usage
        return body

    def json(self) -> bytes:
        return json.dumps(self.body(), ensure_ascii=False, separators=(",", ":")).encode()


def bad_request(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    """A 400 from an audio endpoint, shaped as OpenAI's (with its zero usage)."""
    return ApiError(400, message, INVALID_REQUEST, param, code, usage=dict(AUDIO_ERROR_USAGE))


def not_found(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(404, message, INVALID_REQUEST, param, code)


def server_error(
    message: str = "The server had an error while processing your request.",
    code: str | None = None,
) -> ApiError:
    return ApiError(500, message, SERVER_ERROR, None, code)


# Requests and routing


def unsupported_media_type(content_type: str | None) -> ApiError:
    """The body is not a multipart form at all (a JSON body, or none)."""
    return ApiError(
        415,
        f"Invalid Content-Type '{content_type or 'none'}': this endpoint takes "
        "multipart/form-data (a file upload).",
    )


def invalid_url(method: str, path: str) -> ApiError:
    return ApiError(404, f"Invalid URL ({method} {path})")


def method_not_allowed(method: str, path: str) -> ApiError:
    return ApiError(405, f"Method {method} is not allowed for {path}.")


def invalid_multipart(detail: str) -> ApiError:
    return ApiError(400, f"Could not parse the multipart form: {detail}", code="invalid_multipart")


def disconnected_during_upload() -> ApiError:
    return ApiError(400, "The client disconnected during the upload.")


def upload_stalled(seconds: float) -> ApiError:
    return ApiError(
        408,
        f"The upload stalled: no data arrived for {seconds:g} seconds.",
        code="upload_timeout",
    )


def payload_too_large(limit: int, received: int | None) -> ApiError:
    # OpenAI's wording and type for the same condition (reported-errors.json).
    read = f" ({received} bytes read)" if received is not None else ""
    return ApiError(
        413,
        f"Maximum content size limit ({limit}) exceeded{read}",
        type=SERVER_ERROR,
        code="payload_too_large",
    )


# API keys


def missing_api_key() -> ApiError:
    return ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        headers={"WWW-Authenticate": 'Bearer realm="whisperd"'},
    )


def wrong_api_key(token: str) -> ApiError:
    masked = f"{token[:3]}***{token[-4:]}" if len(token) >= 12 else "***"
    return ApiError(
        401,
        f"Incorrect API key provided: {masked}.",
        code="invalid_api_key",
        headers={"WWW-Authenticate": 'Bearer realm="whisperd", error="invalid_token"'},
    )


# Models


def model_not_found(name: str, hint: str = "") -> ApiError:
    shown = name if len(name) <= 256 else name[:256] + "…"
    return not_found(
        f"The model '{shown}' does not exist or you do not have access to it."
        + (f" {hint}" if hint else ""),
        param="model",
        code="model_not_found",
    )


def model_unavailable(detail: str) -> ApiError:
    return server_error(detail, code="model_unavailable")


def cannot_translate(model_id: str) -> ApiError:
    return bad_request(
        f"The model '{model_id}' is English-only and cannot translate. "
        "Use a multilingual model such as 'base'.",
        param="model",
        code="unsupported_value",
    )


def unsupported_language(language: str, model_id: str) -> ApiError:
    return bad_request(
        f"Language '{language}' is not supported by the model '{model_id}'.",
        param="language",
        code="unsupported_language",
    )


def no_supported_candidate_language(model_id: str) -> ApiError:
    return bad_request(
        f"None of the languages in languages[] is supported by the model '{model_id}'.",
        param="languages[]",
        code="unsupported_language",
    )


# Audio


def audio_too_short(min_seconds: float) -> ApiError:
    return bad_request(
        f"Audio file is too short. Minimum audio length is {min_seconds:g} seconds.",
        param="file",
        code="audio_too_short",
    )


def audio_too_long(name: str, limit_seconds: float, duration_seconds: float | None) -> ApiError:
    length = f" ({duration_seconds:.0f} s)" if duration_seconds else ""
    return bad_request(
        f"The audio file {name} is too long{length}. The maximum audio length on this "
        f"server is {limit_seconds:g} seconds.",
        param="file",
        code="audio_too_long",
    )


def audio_undecodable(name: str, detail: str) -> ApiError:
    return bad_request(
        f"Invalid file format. The file {name} could not be decoded as audio: {detail}. "
        f"Supported formats: {SUPPORTED_FORMATS}, and any other audio FFmpeg reads.",
        param="file",
    )


# Load


def busy(running: int, waiting: int, max_queue: int, retry_after: int) -> ApiError:
    """OpenAI's rate-limit answer: 429, type ``requests``, and when to retry."""
    return ApiError(
        429,
        f"The server is busy: {running} request(s) running and {waiting} waiting (queue "
        f"limit {max_queue}). Please try again in {retry_after}s.",
        type=RATE_LIMIT,
        code="rate_limit_exceeded",
        headers={"Retry-After": str(retry_after)},
    )


def too_many_live_sessions(limit: int) -> ApiError:
    return ApiError(
        429,
        f"Too many live sessions: this server allows {limit} at once. Please try again later.",
        type=RATE_LIMIT,
        code="session_limit_reached",
    )


def server_shutting_down() -> ApiError:
    return ApiError(
        503,
        "The server is shutting down. Reconnect to go on.",
        type="server_error",
        code="server_shutting_down",
    )


def live_session_expired(seconds: float) -> ApiError:
    return ApiError(
        400,
        f"Your session hit the maximum duration of {seconds / 60:g} minutes.",
        code="session_expired",
    )


def live_session_idle(seconds: float) -> ApiError:
    return ApiError(
        408,
        f"The session was closed after {seconds:g} seconds without any event from the client.",
        code="session_idle_timeout",
    )


# Diarization


def diarization_unavailable(detail: str) -> ApiError:
    return server_error(
        f"Speaker diarization is not available on this server: {detail}",
        code="diarization_unavailable",
    )


def reference_undecodable(index: int, detail: str) -> ApiError:
    return bad_request(
        f"known_speaker_references[{index}] could not be decoded as audio: {detail}",
        param="known_speaker_references[]",
        code="invalid_value",
    )


def reference_length(index: int, duration_seconds: float | None) -> ApiError:
    length = "" if duration_seconds is None else f" ({duration_seconds:.2f} seconds)"
    return bad_request(
        f"known_speaker_references[{index}]{length} must be between 2 and 10 seconds long.",
        param="known_speaker_references[]",
        code="invalid_value",
    )


def chunking_strategy_required(limit_seconds: float, duration_seconds: float) -> ApiError:
    return bad_request(
        "chunking_strategy is required for diarization models "
        f"when the audio is longer than {limit_seconds:g} seconds "
        f"(this audio: {duration_seconds:.1f} seconds).",
        param="chunking_strategy",
        code="missing_required_parameter",
    )
