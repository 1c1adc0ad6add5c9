"""The recorded OpenAI responses of ``shared/openai/fixtures`` and the requests behind them.

A fixture is a response body plus a ``.meta.json`` sidecar with the request. The request's
exact bytes come from the original recording in ``raw/`` (VCR cassettes store the whole
body; the .NET test proxy stores it line by line, binary lines as ``b64:``), checked against
the sidecar: same fields in the same order, same file bytes (SHA-256), same Content-Length.
The .NET translation recordings kept only the request headers; their audio is the French
sample that ``shared/audio`` also holds, so those requests are rebuilt in the .NET SDK's
dialect and checked against the recorded Content-Length.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import typing as t
from dataclasses import dataclass
from pathlib import Path

import yaml

from conformance.support import multipart
from conformance.support.paths import FIXTURES, RESPONSES, SHARED_AUDIO

_ABBREVIATED = re.compile(r"^(.*)\.\.\.<\d+ chars>$", re.DOTALL)
DOTNET_TRANSLATION_AUDIO = SHARED_AUDIO / "multilingual" / "AudioToText__french.wav"
DOTNET_TRANSLATION_FILENAME = "Assets/audio_french.wav"  # fits every recorded Content-Length


@dataclass(frozen=True)
class Fixture:
    name: str  # the response file's name without its extension
    meta: dict[str, t.Any]
    body_path: Path

    @property
    def request(self) -> dict[str, t.Any]:
        return t.cast(dict[str, t.Any], self.meta["request"])

    @property
    def response(self) -> dict[str, t.Any]:
        return t.cast(dict[str, t.Any], self.meta["response"])

    @property
    def path(self) -> str:
        return "/v1/" + str(self.request["uri"]).split("/v1/", 1)[1]

    @property
    def endpoint(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def status(self) -> int:
        return int(self.response["status"])

    @property
    def content_type(self) -> str:
        return str(self.response["headers"].get("Content-Type", "")).split(" (")[0]

    @property
    def fields(self) -> list[dict[str, t.Any]] | None:
        recorded = self.request.get("multipart_fields")
        return recorded if isinstance(recorded, list) else None

    def field(self, name: str) -> str | None:
        for item in self.fields or []:
            if item["name"] == name and "value" in item:
                return str(item["value"])
        return None

    @property
    def response_format(self) -> str:
        if self.fields is None:  # translations without a recorded body: the name tells
            kind = self.name.split("__")[2]
            return "json" if kind.startswith("json") else kind
        return self.field("response_format") or "json"

    @property
    def stream(self) -> bool:
        return self.field("stream") == "true" or self.body_path.suffix == ".sse"

    @property
    def model(self) -> str:
        return self.field("model") or self.name.split("__")[1]

    @property
    def source(self) -> str:
        return self.name.rsplit("__", 1)[-1]

    def body(self) -> bytes:
        return self.body_path.read_bytes()

    def json(self) -> t.Any:
        return json.loads(self.body())


@functools.cache
def all_fixtures() -> tuple[Fixture, ...]:
    fixtures = []
    for meta_path in sorted(RESPONSES.glob("*.meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        body_path = RESPONSES / meta["response"]["body_file"]
        fixtures.append(Fixture(name=body_path.stem, meta=meta, body_path=body_path))
    return tuple(fixtures)


def fixture_names() -> list[str]:
    """Names for parametrising tests; empty (so the tests skip) without the shared data."""
    return [fixture.name for fixture in all_fixtures()] if RESPONSES.exists() else []


def by_name(name: str) -> Fixture:
    return next(fixture for fixture in all_fixtures() if fixture.name == name)


# --- The requests -------------------------------------------------------------------------


class NotReplayable(Exception):
    """The recording does not hold what is needed to send the same request again."""


def raw_recording(fixture: Fixture) -> Path:
    source = fixture.meta["source"]
    owner, repo = str(source["repo"]).split("/")
    basename = Path(str(source["path"])).name.replace(" ", "_")
    return FIXTURES / "raw" / f"{owner}__{repo}__{str(source['commit'])[:10]}__{basename}"


def recorded_request(fixture: Fixture) -> multipart.Body:
    """The request exactly as the client sent it to OpenAI, checked against the sidecar."""
    if fixture.fields is None:
        return _rebuilt_dotnet_translation(fixture)
    upload = _upload_field(fixture)
    if upload.get("saved_audio") is None:
        raise NotReplayable(f"the uploaded audio ({upload.get('filename')}) was not recorded")
    raw = raw_recording(fixture)
    if not raw.exists():
        raise NotReplayable(f"the original recording {raw.name} is missing")
    content_type, body = _recorded_body(raw, fixture.meta["source"].get("entry_index") or 0)
    _check_against_sidecar(fixture, content_type, body)
    return multipart.Body(body, content_type)


def _upload_field(fixture: Fixture) -> dict[str, t.Any]:
    return next(item for item in fixture.fields or [] if "filename" in item)


def audio_path(fixture: Fixture) -> Path:
    if fixture.fields is None:
        return DOTNET_TRANSLATION_AUDIO
    saved = _upload_field(fixture).get("saved_audio")
    if saved is None:
        raise NotReplayable("the uploaded audio was not recorded")
    return FIXTURES / str(saved)


def _recorded_body(raw: Path, index: int) -> tuple[str, bytes]:
    if raw.suffix == ".json":  # Azure test proxy (openai-dotnet)
        entry = json.loads(raw.read_text(encoding="utf-8"))["Entries"][index]
        lines = entry.get("RequestBody")
        if not isinstance(lines, list):
            raise NotReplayable("the recording has no request body")
        body = b"".join(
            base64.b64decode(line[4:]) if line.startswith("b64:") else line.encode("utf-8")
            for line in lines
        )
        return str(entry["RequestHeaders"]["Content-Type"]), body
    interaction = yaml.load(raw.read_text(encoding="utf-8"), Loader=_VcrLoader)[
        "http_interactions"
    ][index]
    request = interaction["request"]
    payload = request["body"]["string"]
    body = payload if isinstance(payload, bytes) else str(payload).encode("utf-8")
    content_type = request["headers"]["Content-Type"]
    return str(content_type[0] if isinstance(content_type, list) else content_type), body


class _VcrLoader(yaml.SafeLoader):
    """VCR cassettes tag binary bodies ``!binary`` (base64)."""


_VcrLoader.add_constructor(
    "!binary",
    lambda loader, node: base64.b64decode("".join(str(loader.construct_scalar(node)).split())),  # type: ignore[arg-type]
)


def _check_against_sidecar(fixture: Fixture, content_type: str, body: bytes) -> None:
    recorded_length = _header(fixture, "Content-Length")
    if recorded_length is not None and int(recorded_length) != len(body):
        raise AssertionError(
            f"rebuilt body is {len(body)} bytes, the recording says {recorded_length}"
        )
    parts = multipart.parse(body, content_type)
    expected = fixture.fields or []
    assert [p.name for p in parts] == [f["name"] for f in expected], (
        "fields differ from the sidecar"
    )
    for part, field in zip(parts, expected, strict=True):
        if "filename" in field:
            assert part.filename == field["filename"], f"{part.filename!r} != {field['filename']!r}"
            assert hashlib.sha256(part.content).hexdigest() == field["sha256"], "file bytes differ"
        else:
            sent = part.content.decode("utf-8")
            abbreviated = _ABBREVIATED.match(str(field["value"]))
            if abbreviated:  # long values are cut in the sidecar: "<start>...<N chars>"
                assert sent.startswith(abbreviated.group(1)), f"{field['name']} differs"
            else:
                assert sent == field["value"], f"{field['name']} differs"


def _header(fixture: Fixture, name: str) -> str | None:
    headers = fixture.request.get("headers")
    return str(headers[name]) if isinstance(headers, dict) and name in headers else None


def _rebuilt_dotnet_translation(fixture: Fixture) -> multipart.Body:
    if not fixture.name.endswith("openai-dotnet-2025-09"):
        raise NotReplayable("the request body was not recorded")
    if not DOTNET_TRANSLATION_AUDIO.exists():
        raise NotReplayable(f"{DOTNET_TRANSLATION_AUDIO} is missing")
    fields = [("model", "whisper-1")]
    if not fixture.name.split("__")[2].endswith("-default"):
        fields.append(("response_format", fixture.response_format))
    content_type = str(_header(fixture, "Content-Type"))
    upload = multipart.Upload(DOTNET_TRANSLATION_FILENAME, DOTNET_TRANSLATION_AUDIO.read_bytes())
    body = multipart.dotnet_sdk(fields, upload, boundary=multipart.boundary_of(content_type))
    recorded_length = int(str(_header(fixture, "Content-Length")))
    if len(body.content) != recorded_length:
        raise NotReplayable(
            f"the rebuilt .NET request is {len(body.content)} bytes, the recorded one "
            f"{recorded_length}: not the same request"
        )
    return body
