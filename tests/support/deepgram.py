"""Deepgram's protocol in tests: every message the server sends is validated against
``spec/deepgram.asyncapi.yaml`` (messages matched by ``type``, as
:mod:`tests.support.asyncapi` does for the Realtime spec), and pre-recorded answers against
the ``DeepgramListenResponse`` schema of ``spec/openapi.yaml``."""

from __future__ import annotations

import functools
import typing as t
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from starlette.testclient import TestClient, WebSocketDenialResponse

REPO = Path(__file__).resolve().parents[2]
ASYNCAPI_PATH = REPO / "spec" / "deepgram.asyncapi.yaml"
OPENAPI_PATH = REPO / "spec" / "openapi.yaml"
ASYNCAPI_URI = "urn:whisperd:deepgram"
OPENAPI_URI = "urn:whisperd:openapi"
JFK = "audio/en_read/whisper.cpp__jfk.wav"
JFK_WORDS = ("fellow", "country")  # what tiny.en hears however the turns are cut


@functools.cache
def _document(path: Path) -> dict[str, t.Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@functools.cache
def _validator(uri: str, pointer: str) -> Draft7Validator:
    path = ASYNCAPI_PATH if uri == ASYNCAPI_URI else OPENAPI_PATH
    resource: Resource[t.Any] = Resource.from_contents(
        _document(path), default_specification=DRAFT7
    )
    registry: Registry[t.Any] = Registry().with_resource(uri, resource)
    return Draft7Validator({"$ref": f"{uri}{pointer}"}, registry=registry)


@functools.cache
def server_messages() -> dict[str, str]:
    """Message type -> pointer to its payload schema, for what the server sends."""
    document = _document(ASYNCAPI_PATH)
    found: dict[str, str] = {}
    for operation in document["operations"].values():
        if operation["action"] != "send":
            continue
        for ref in operation["messages"]:
            name = ref["$ref"].rsplit("/", 1)[-1]
            message = document["components"]["messages"][name]
            found[message["name"]] = f"#/components/messages/{name}/payload"
    return found


def _check(validator: Draft7Validator, value: t.Any, what: str) -> None:
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                 for e in errors[:5]]  # fmt: skip
        raise AssertionError(f"invalid {what}:\n" + "\n".join(lines))


def validate_server_message(message: t.Mapping[str, t.Any]) -> None:
    """Raise AssertionError unless ``message`` is one the spec lets the server send."""
    kind = message.get("type")
    known = server_messages()
    if kind not in known:
        raise AssertionError(f"{kind!r} is not a server message of {ASYNCAPI_PATH.name}")
    _check(_validator(ASYNCAPI_URI, known[str(kind)]), dict(message), f"{kind} message")


def validate_listen_response(body: t.Any) -> None:
    pointer = "#/components/schemas/DeepgramListenResponse"
    _check(_validator(OPENAPI_URI, pointer), body, "pre-recorded response")


def validate_error(body: t.Any) -> None:
    _check(_validator(OPENAPI_URI, "#/components/schemas/DeepgramError"), body, "error body")


def refused_upgrade(client: TestClient, url: str, **connect: t.Any) -> t.Any:
    """The HTTP answer that refused a WebSocket upgrade to ``url``, its body checked
    against Deepgram's error shape and its ``dg-error`` header against the body."""
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        client.websocket_connect(url, **connect),
    ):
        pass
    response = refused.value
    body = response.json()
    validate_error(body)
    assert response.headers["dg-error"] == body["err_msg"][:500]
    assert response.headers["dg-request-id"] == body["request_id"]
    return response
