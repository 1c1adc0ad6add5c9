"""``text``, ``srt`` and ``vtt`` answers, which are ``text/plain``, not JSON."""

from __future__ import annotations

from whisperd_client import AuthenticatedClient, Client
from whisperd_client.models import CreateTranscriptionRequest, CreateTranslationRequest
from whisperd_client.types import RequestFiles

from whisperd_helpers.errors import WhisperdError


def _post_for_text(client: Client | AuthenticatedClient, path: str, files: RequestFiles) -> str:
    response = client.get_httpx_client().post(path, files=files)
    if response.status_code != 200:
        raise WhisperdError.from_http(response)
    return response.text


def transcribe_text(client: Client | AuthenticatedClient, body: CreateTranscriptionRequest) -> str:
    """The transcript as text, SubRip or WebVTT (``body.response_format`` says which)."""
    return _post_for_text(client, "/v1/audio/transcriptions", body.to_multipart())


def translate_text(client: Client | AuthenticatedClient, body: CreateTranslationRequest) -> str:
    """The English translation as text, SubRip or WebVTT."""
    return _post_for_text(client, "/v1/audio/translations", body.to_multipart())
