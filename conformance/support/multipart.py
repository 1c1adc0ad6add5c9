"""multipart/form-data bodies built byte by byte, in the dialects of real OpenAI clients.

Every part's header lines are given explicitly, so a body can say exactly what an SDK says
(SDK-NOTES.md): the Python SDK (httpx) quotes names and guesses the file's Content-Type;
the Node SDK sends ``application/octet-stream`` and a chunked body; the .NET SDK leaves
names unquoted when it can, adds ``filename*``, gives text parts
``Content-Type: text/plain; charset=utf-8`` and sends ``chunking_strategy`` as one JSON part.
"""

from __future__ import annotations

import json
import mimetypes
import re
import typing as t
from dataclasses import dataclass

from conformance.support.rawhttp import RawResponse, post

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


@dataclass(frozen=True)
class Part:
    headers: tuple[str, ...]  # header lines, in order, without line ends
    content: bytes


@dataclass(frozen=True)
class Upload:
    """The audio file of a request: what the client calls it, and its bytes."""

    filename: str
    content: bytes
    content_type: str | None = None  # None: no Content-Type line at all


@dataclass(frozen=True)
class Body:
    content: bytes
    content_type: str  # the request's Content-Type header, boundary included
    chunked: bool = False

    def send(
        self, base_url: str, path: str, extra_headers: dict[str, str] | None = None
    ) -> RawResponse:
        headers = {"Content-Type": self.content_type, "Accept": "application/json"}
        headers.update(extra_headers or {})
        return post(base_url, path, self.content, headers, chunked=self.chunked)


Fields = t.Sequence[tuple[str, str]]


def encode(parts: t.Sequence[Part], boundary: str) -> bytes:
    out = bytearray()
    for part in parts:
        out += b"--" + boundary.encode("ascii") + b"\r\n"
        for line in part.headers:
            out += line.encode("utf-8") + b"\r\n"
        out += b"\r\n" + part.content + b"\r\n"
    out += b"--" + boundary.encode("ascii") + b"--\r\n"
    return bytes(out)


def bracket_fields(name: str, value: t.Mapping[str, t.Any]) -> list[tuple[str, str]]:
    """An object as the Python and Node SDKs send it: ``name[key]=value`` per member."""
    return [(f"{name}[{key}]", _scalar(member)) for key, member in value.items()]


def json_field(name: str, value: t.Mapping[str, t.Any]) -> tuple[str, str]:
    """An object as the .NET SDK (and the Vercel AI SDK) send it: one JSON string."""
    return (name, json.dumps(value, separators=(",", ":")))


def _scalar(value: t.Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def guessed_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def python_sdk(fields: Fields, upload: Upload) -> Body:
    """httpx, as the openai Python SDK drives it: fields first, then the file, Content-Length."""
    boundary = "0f7c3e9d2b5a4c1e8f6a2d4b9c7e1a3f"
    parts = [
        Part((f'Content-Disposition: form-data; name="{name}"',), value.encode())
        for name, value in fields
    ]
    file_headers = [f'Content-Disposition: form-data; name="file"; filename="{upload.filename}"']
    file_headers.append(f"Content-Type: {upload.content_type or guessed_type(upload.filename)}")
    parts.append(Part(tuple(file_headers), upload.content))
    return Body(encode(parts, boundary), f"multipart/form-data; boundary={boundary}")


def node_sdk(fields: Fields, upload: Upload) -> Body:
    """The openai Node SDK (undici FormData): file first, application/octet-stream, chunked."""
    boundary = "----formdata-undici-041259375118"
    parts = [
        Part(
            (
                f'Content-Disposition: form-data; name="file"; filename="{upload.filename}"',
                "Content-Type: application/octet-stream",
            ),
            upload.content,
        )
    ]
    parts += [
        Part((f'Content-Disposition: form-data; name="{name}"',), value.encode())
        for name, value in fields
    ]
    return Body(encode(parts, boundary), f"multipart/form-data; boundary={boundary}", chunked=True)


def dotnet_sdk(fields: Fields, upload: Upload, boundary: str | None = None) -> Body:
    """The openai .NET SDK, as its recordings show: file first with ``filename*`` and no
    Content-Type, then text parts typed ``text/plain; charset=utf-8``, except JSON parts."""
    boundary = boundary or "Xk2Nq8Vw4Rb7Tz1Yc5Hm9Jd3Lf6Gp0Ss2Aa8Ee4Ii1Oo7Uu3Qq9Ww5Zz0Xx6Cc2Vv8Bb4Nn"
    name = _dotnet_quote("file")
    disposition = (
        f"Content-Disposition: form-data; name={name}; filename={_dotnet_quote(upload.filename)}; "
        f"filename*=utf-8''{_dotnet_percent(upload.filename)}"
    )
    parts = [Part((disposition,), upload.content)]
    for field_name, value in fields:
        headers = [f"Content-Disposition: form-data; name={_dotnet_quote(field_name)}"]
        if not value.startswith("{"):
            headers.insert(0, "Content-Type: text/plain; charset=utf-8")
        parts.append(Part(tuple(headers), value.encode()))
    return Body(encode(parts, boundary), f'multipart/form-data; boundary="{boundary}"')


def _dotnet_quote(value: str) -> str:
    return value if _TOKEN.match(value) else f'"{value}"'


def _dotnet_percent(value: str) -> str:
    """RFC 5987 value chars as the recordings show them (``/`` as ``%2f``, ``\\`` as ``%5C``)."""
    out = []
    for char in value:
        if _TOKEN.match(char) and char not in "%'*":
            out.append(char)
        elif char == "/":
            out.append("%2f")
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


@dataclass(frozen=True)
class ParsedPart:
    name: str
    filename: str | None
    content_type: str | None
    content: bytes


def boundary_of(content_type: str) -> str:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ValueError(f"no boundary in {content_type!r}")
    return match.group(1)


def parse(body: bytes, content_type: str) -> list[ParsedPart]:
    """The parts of a multipart body (enough to check a recording against its sidecar)."""
    delimiter = b"--" + boundary_of(content_type).encode("ascii")
    parts: list[ParsedPart] = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'(?:^|;)\s*name="?([^";]+)"?', disposition)
        filename = re.search(r'(?:^|;)\s*filename="?([^";]*)"?', disposition)
        parts.append(
            ParsedPart(
                name=name.group(1) if name else "",
                filename=filename.group(1) if filename else None,
                content_type=headers.get("content-type"),
                content=content.removesuffix(b"\r\n"),
            )
        )
    return parts


def without_part(body: Body, name: str) -> Body:
    """The same body, byte for byte, minus the part named ``name``."""
    delimiter = b"--" + boundary_of(body.content_type).encode("ascii")

    def named(chunk: bytes) -> bool:
        head = chunk.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        return (
            re.search(rf'(?im)^content-disposition:.*;\s*name="?{re.escape(name)}"?(;|$)', head)
            is not None
        )

    kept = [chunk for chunk in body.content.split(delimiter) if not named(chunk)]
    return Body(delimiter.join(kept), body.content_type, body.chunked)
