"""The Realtime API's wire format: client events checked against spec/realtime.asyncapi.yaml
(the source of truth for the socket, as openapi.yaml is for HTTP), ids, and error events.

A client event that breaks the spec is answered with one ``error`` event in OpenAI's words
(``unknown_parameter``, ``invalid_value``, ``invalid_type``...), naming the offending
``param`` by its dotted path; the session goes on.
"""

from __future__ import annotations

import functools
import json
import secrets
import typing as t
from pathlib import Path

import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from whisperd.errors import ApiError

SPEC_PATH = Path(__file__).resolve().parent.parent / "realtime.asyncapi.yaml"
_DOCUMENT_URI = "urn:whisperd:realtime"
Dialect = t.Literal["ga", "beta"]


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(15).replace('-', 'A').replace('_', 'B')}"


def error_event(error: ApiError, client_event_id: str | None = None) -> dict[str, t.Any]:
    return {
        "type": "error",
        "event_id": new_id("event"),
        "error": {
            "type": error.type,
            "code": error.code,
            "message": error.message,
            "param": error.param,
            "event_id": client_event_id,
        },
    }


def invalid_event(message: str, code: str = "invalid_event", param: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


@functools.cache
def _document() -> dict[str, t.Any]:
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@functools.cache
def _client_validators() -> dict[str, Draft7Validator]:
    """Client event type -> a validator of its payload schema."""
    document = _document()
    resource: Resource[t.Any] = Resource.from_contents(document, default_specification=DRAFT7)
    registry: Registry[t.Any] = Registry().with_resource(_DOCUMENT_URI, resource)
    validators: dict[str, Draft7Validator] = {}
    for operation in document["operations"].values():
        if operation["action"] != "receive":
            continue
        for reference in operation["messages"]:
            message = _resolve(document, reference["$ref"])
            if "$ref" in message:
                pointer = message["$ref"]
                message = _resolve(document, pointer)
            else:
                pointer = reference["$ref"]
            schema = {"$ref": f"{_DOCUMENT_URI}{pointer}/payload"}
            validators[message["name"]] = Draft7Validator(schema, registry=registry)
    return validators


def _resolve(document: dict[str, t.Any], pointer: str) -> dict[str, t.Any]:
    node: t.Any = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    assert isinstance(node, dict)
    return node


def client_event_types() -> list[str]:
    return sorted(_client_validators())


def decode_frame(text: str) -> dict[str, t.Any]:
    """The JSON object of a text frame, or an :class:`ApiError`."""
    try:
        event = json.loads(text)
    except ValueError as exc:
        raise invalid_event(
            f"Invalid event: failed to parse JSON value. {exc}", code="invalid_json"
        ) from exc
    if not isinstance(event, dict):
        raise invalid_event("Invalid event: expected a JSON object.")
    return event


def check_client_event(event: dict[str, t.Any]) -> None:
    """Raise an :class:`ApiError` unless ``event`` is a client event as the spec says."""
    event_type = event.get("type")
    if event_type is None:
        raise invalid_event("The 'type' field is missing.")
    validators = _client_validators()
    validator = validators.get(event_type) if isinstance(event_type, str) else None
    if validator is None:
        supported = ", ".join(f"'{name}'" for name in client_event_types())
        raise invalid_event(
            f"Invalid value: '{event_type}'. Supported values are: {supported}.",
            code="invalid_value",
            param="type",
        )
    errors = sorted(validator.iter_errors(event), key=_rank)
    if errors:
        raise _to_api_error(errors[0])


def _rank(error: ValidationError) -> tuple[int, int]:
    order = {"additionalProperties": 0, "required": 1, "type": 2}
    return order.get(str(error.validator), 3), -len(error.absolute_path)


def _path(parts: t.Iterable[t.Any]) -> str:
    return ".".join(str(part) for part in parts)


def _to_api_error(error: ValidationError) -> ApiError:
    error = _deepest(error)
    path = list(error.absolute_path)
    param = _path(path) or None
    kind = str(error.validator)
    schema: t.Any = error.schema
    instance: t.Any = error.instance
    if kind == "additionalProperties":
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        name = _path([*path, extra[0]]) if extra else param
        return invalid_event(f"Unknown parameter: '{name}'.", "unknown_parameter", name)
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        name = _path([*path, missing])
        return invalid_event(
            f"Missing required parameter: '{name}'.", "missing_required_parameter", name
        )
    if kind in ("enum", "const"):
        expected: t.Any = error.validator_value
        allowed = expected if kind == "enum" else [expected]
        supported = ", ".join(f"'{value}'" for value in allowed)
        return invalid_event(
            f"Invalid value: '{error.instance}'. Supported values are: {supported}.",
            "invalid_value",
            param,
        )
    if kind == "type":
        return invalid_event(
            f"Invalid type for '{param}': expected {_type_name(error.validator_value)}, but got "
            f"{_type_name(_json_type(error.instance))} instead.",
            "invalid_type",
            param,
        )
    if kind in ("minimum", "maximum"):
        above = kind == "maximum"
        noun = "integer" if isinstance(error.instance, int) else "decimal"
        return invalid_event(
            f"Invalid '{param}': {noun} {'above maximum' if above else 'below minimum'} value. "
            f"Expected a value {'<=' if above else '>='} {error.validator_value}, but got "
            f"{error.instance} instead.",
            f"{noun}_{'above_max' if above else 'below_min'}_value",
            param,
        )
    return invalid_event(f"Invalid '{param}': {error.message}.", "invalid_value", param)


def _deepest(error: ValidationError) -> ValidationError:
    """For a ``oneOf`` miss, the complaint of the alternative that came closest."""
    while error.context:
        by_branch: dict[str, list[ValidationError]] = {}
        for sub in error.context:
            by_branch.setdefault(str(sub.schema_path[0]), []).append(sub)
        # The branch whose complaints lie deepest is the one the client meant.
        branch = max(
            by_branch.values(), key=lambda subs: (max(len(s.path) for s in subs), -len(subs))
        )
        error = sorted(branch, key=_rank)[0]
    return error


def _json_type(value: t.Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_name(kind: t.Any) -> str:
    names = {
        "number": "a decimal",
        "integer": "an integer",
        "boolean": "a boolean",
        "string": "a string",
        "object": "an object",
        "array": "an array",
        "null": "null",
    }
    if isinstance(kind, list):
        return " or ".join(names.get(str(k), str(k)) for k in kind)
    return names.get(str(kind), str(kind))
