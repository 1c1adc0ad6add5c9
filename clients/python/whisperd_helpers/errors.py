"""Errors in OpenAI's envelope as one exception type."""

from __future__ import annotations

import json
import typing as t

import httpx
from whisperd_client.models import Error, ErrorResponse
from whisperd_client.types import Response

T = t.TypeVar("T")


class WhisperdError(Exception):
    """A non-2xx answer (or an error event in a stream), with OpenAI's error fields typed."""

    def __init__(self, status_code: int, error: Error) -> None:
        super().__init__(f"{status_code} {error.type_}: {error.message}")
        self.status_code = status_code
        self.error = error

    @property
    def code(self) -> str | None:
        return self.error.code

    @property
    def param(self) -> str | None:
        return self.error.param

    @classmethod
    def from_http(cls, response: httpx.Response) -> WhisperdError:
        """The error of a failed response, even when its body is not the envelope."""
        try:
            return cls(response.status_code, ErrorResponse.from_dict(response.json()).error)
        except (ValueError, KeyError, TypeError):
            message = response.text or response.reason_phrase
            return cls(response.status_code, Error(message, "server_error", None, None))

    @classmethod
    def from_event(cls, payload: dict[str, t.Any]) -> WhisperdError:
        """An ``{"error": {...}}`` event sent after a stream started (status was 200)."""
        return cls(200, ErrorResponse.from_dict(payload).error)


def unwrap(response: Response[T | ErrorResponse]) -> T:
    """The parsed body of a generated ``sync_detailed`` call, or :class:`WhisperdError`."""
    parsed = response.parsed
    if isinstance(parsed, ErrorResponse):
        raise WhisperdError(int(response.status_code), parsed.error)
    if parsed is None:
        try:
            envelope = ErrorResponse.from_dict(json.loads(response.content))
        except (ValueError, KeyError, TypeError):
            envelope = ErrorResponse(
                Error(response.content.decode(errors="replace"), "", None, None)
            )
        raise WhisperdError(int(response.status_code), envelope.error)
    return parsed
