"""Validate Realtime events against ``spec/realtime.asyncapi.yaml``.

The document is loaded once. An event is matched to its message by its ``type`` (the
message ``name``) among the server's ``send`` operation or the ``receive`` operation for
client events, then its payload is checked with JSON Schema Draft 7 (the AsyncAPI 3 default
schema format is a superset of it), every ``$ref`` resolved inside the document.
"""

from __future__ import annotations

import functools
import typing as t
from pathlib import Path

import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

REPO = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO / "spec" / "realtime.asyncapi.yaml"
DOCUMENT_URI = "urn:whisperd:realtime"
SERVER_OPERATION_ACTION = "send"
CLIENT_OPERATION_ACTION = "receive"
MAX_REPORTED_ERRORS = 5

Direction = t.Literal["server", "client"]


@functools.cache
def load_document() -> dict[str, t.Any]:
    """The parsed AsyncAPI document."""
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise AssertionError(f"{SPEC_PATH} is not a YAML mapping")
    return document


@functools.cache
def registry() -> Registry[t.Any]:
    """A registry holding the whole document, so payload ``$ref``s resolve within it."""
    resource: Resource[t.Any] = Resource.from_contents(
        load_document(), default_specification=DRAFT7
    )
    return t.cast("Registry[t.Any]", Registry().with_resource(DOCUMENT_URI, resource))


def resolve_pointer(pointer: str) -> t.Any:
    """The node a local ``#/...`` reference points at."""
    if not pointer.startswith("#/"):
        raise AssertionError(f"only local references are used, got {pointer!r}")
    node: t.Any = load_document()
    for part in pointer[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or key not in node:
            raise AssertionError(f"unresolvable reference {pointer!r} (at {key!r})")
        node = node[key]
    return node


def deref(node: t.Any) -> t.Any:
    """Follow ``$ref`` chains until a node without one."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"]
        if pointer in seen:
            raise AssertionError(f"reference cycle through {pointer!r}")
        seen.add(pointer)
        node = resolve_pointer(pointer)
    return node


def message_pointers(action: str) -> list[str]:
    """The channel-message pointers listed by every operation with this action."""
    pointers: list[str] = []
    for operation in load_document()["operations"].values():
        if operation["action"] == action:
            pointers.extend(ref["$ref"] for ref in operation["messages"])
    return pointers


@functools.cache
def messages(direction: Direction) -> dict[str, str]:
    """Event type -> pointer to its payload schema, for one direction."""
    action = SERVER_OPERATION_ACTION if direction == "server" else CLIENT_OPERATION_ACTION
    found: dict[str, str] = {}
    for pointer in message_pointers(action):
        channel_message = resolve_pointer(pointer)
        message = deref(channel_message)
        component = channel_message.get("$ref", pointer)
        found[message["name"]] = f"{component}/payload"
    return found


@functools.cache
def _validator(payload_pointer: str) -> Draft7Validator:
    schema = {"$ref": f"{DOCUMENT_URI}{payload_pointer}"}
    return Draft7Validator(schema, registry=registry())


def _describe(error: ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "(event)"
    text = f"  at {where}: {error.message}"
    if error.context:
        # A oneOf miss: the alternative with the fewest complaints is the one meant.
        by_alternative: dict[str, list[ValidationError]] = {}
        for sub in error.context:
            by_alternative.setdefault(str(sub.schema_path[0]), []).append(sub)
        best = min(by_alternative.values(), key=len)[0]
        inner = "/".join(str(part) for part in best.absolute_path) or "(event)"
        text += f"\n    closest alternative, at {inner}: {best.message}"
    return text


def validate_event(event: t.Mapping[str, t.Any], direction: Direction) -> None:
    """Raise AssertionError unless ``event`` is a valid ``direction`` event of the spec."""
    if not isinstance(event, t.Mapping):
        raise AssertionError(f"a {direction} event must be a JSON object, got {event!r}")
    event_type = event.get("type")
    known = messages(direction)
    if not isinstance(event_type, str) or event_type not in known:
        raise AssertionError(
            f"{event_type!r} is not a {direction} event in {SPEC_PATH.name}; "
            f"known: {', '.join(sorted(known))}"
        )
    errors = sorted(
        _validator(known[event_type]).iter_errors(dict(event)),
        key=lambda error: [str(part) for part in error.absolute_path],
    )
    if errors:
        lines = [_describe(error) for error in errors[:MAX_REPORTED_ERRORS]]
        more = len(errors) - MAX_REPORTED_ERRORS
        if more > 0:
            lines.append(f"  ... and {more} more")
        raise AssertionError(f"invalid {event_type} {direction} event:\n" + "\n".join(lines))


def validate_server_event(event: t.Mapping[str, t.Any]) -> None:
    """Raise AssertionError unless ``event`` is an event the server may send."""
    validate_event(event, "server")


def validate_client_event(event: t.Mapping[str, t.Any]) -> None:
    """Raise AssertionError unless ``event`` is an event a client may send."""
    validate_event(event, "client")
