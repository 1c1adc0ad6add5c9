"""HTTP requests with bodies sent exactly as given: our own bytes, our own framing.

httpx and requests rebuild multipart bodies and pick the framing themselves. Replaying a
recorded request (or imitating an SDK) needs the exact part headers and, for the Node SDK,
``Transfer-Encoding: chunked`` with no ``Content-Length``; http.client sends what it is told.
"""

from __future__ import annotations

import http.client
import typing as t
from dataclasses import dataclass
from urllib.parse import urlsplit

CHUNK = 64 * 1024


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    def text(self) -> str:
        return self.body.decode("utf-8")


def post(
    base_url: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    *,
    chunked: bool = False,
    timeout: float = 300.0,
) -> RawResponse:
    """POST ``body`` to ``base_url + path``: with Content-Length, or chunked (no length)."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=timeout)
    try:
        sent = dict(headers)
        try:
            if chunked:
                sent.pop("Content-Length", None)
                connection.request(
                    "POST", path, body=_chunks(body), headers=sent, encode_chunked=True
                )
            else:
                sent["Content-Length"] = str(len(body))
                connection.request("POST", path, body=body, headers=sent)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early (413) and closed; its answer is still there to read
        response = connection.getresponse()
        payload = response.read()
        names = {name.lower(): value for name, value in response.getheaders()}
        return RawResponse(status=response.status, headers=names, body=payload)
    finally:
        connection.close()


def _chunks(body: bytes) -> t.Iterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]
