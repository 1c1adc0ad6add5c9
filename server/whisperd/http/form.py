"""Parsing and validating multipart request bodies against the spec, once.

Connexion validates request bodies through a validator class per media type. This one
replaces its multipart validator because the official SDKs encode forms in ways Connexion's
does not read (see SDK-NOTES): arrays as repeated ``name[]`` fields, ``chunking_strategy`` as
bracket fields (``chunking_strategy[type]=server_vad``) or as one JSON string, booleans as
``true``/``false``. It normalises those, coerces each value to the type the schema declares,
validates with the schema, and answers the first problem in OpenAI's words, naming the
``param``.

The parsed form is stored in the ASGI scope (:func:`validated_form`) and the body is not
replayed, so the upload is parsed and held in memory once, not twice.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass

from connexion.json_schema import Draft4RequestValidator
from connexion.validators import MultiPartFormDataValidator
from jsonschema import Draft4Validator, ValidationError
from python_multipart.exceptions import MultipartParseError
from starlette.datastructures import Headers, MutableHeaders, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.types import Receive, Scope

from whisperd.errors import (
    ApiError,
    bad_request,
    disconnected_during_upload,
    invalid_multipart,
    unsupported_media_type,
)

SCOPE_KEY = "whisperd.form"
# After validation the body is consumed; the media type tells Connexion there is no form
# left to parse for the handler's arguments (handlers read validated_form() instead).
CONSUMED_MEDIA_TYPE = "application/x-whisperd-validated-form"

MAX_FIELD_BYTES = 1024 * 1024
MAX_FIELDS = 200
MAX_FILES = 4
_BRACKET_FIELD = re.compile(r"^([A-Za-z0-9_]+)\[([A-Za-z0-9_]+)\]$")


@dataclass
class ValidatedForm:
    """The request's fields, typed as the spec declares, and its uploaded files."""

    values: dict[str, t.Any]
    files: dict[str, UploadFile]

    async def close(self) -> None:
        for upload in self.files.values():
            await upload.close()


def validated_form(scope: Scope) -> ValidatedForm:
    form = scope.get(SCOPE_KEY)
    if not isinstance(form, ValidatedForm):
        raise RuntimeError("the request body was not validated by MultipartValidator")
    return form


class _InMemoryMultiPartParser(MultiPartParser):
    """Keeps uploads in memory up to the upload limit: audio is decoded in memory anyway."""

    spool_max_size = 32 * 1024 * 1024


class MultipartValidator(MultiPartFormDataValidator):  # type: ignore[misc]
    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        headers = Headers(scope=scope)
        content_type = headers.get("content-type")
        if content_type is None or not content_type.lower().startswith("multipart/"):
            raise unsupported_media_type(content_type)  # Connexion lets a bodiless POST in
        stream = _body_stream(receive)
        try:
            parser = _InMemoryMultiPartParser(
                headers,
                stream,
                max_files=MAX_FILES,
                max_fields=MAX_FIELDS,
                max_part_size=MAX_FIELD_BYTES,
            )
            form_data = await parser.parse()
        except (MultiPartException, MultipartParseError, UnicodeDecodeError, ValueError) as exc:
            detail = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            raise invalid_multipart(detail) from exc
        files: dict[str, UploadFile] = {}
        fields: dict[str, list[str]] = {}
        for name, value in form_data.multi_items():
            if isinstance(value, UploadFile):
                files.setdefault(name, value)
            else:
                fields.setdefault(name, []).append(value)
        try:
            values = normalise_fields(self._schema, fields, files)
            validate_values(self._schema, values)
        except ApiError:
            await form_data.close()
            raise
        new_scope = dict(scope)
        new_scope["headers"] = list(scope["headers"])
        mutable = MutableHeaders(scope=new_scope)
        mutable["content-type"] = CONSUMED_MEDIA_TYPE
        new_scope[SCOPE_KEY] = ValidatedForm(values=values, files=files)
        return _empty_receive(receive), new_scope


def _body_stream(receive: Receive) -> t.AsyncGenerator[bytes, None]:
    async def stream() -> t.AsyncGenerator[bytes, None]:
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise disconnected_during_upload()
            more_body = message.get("more_body", False)
            yield message.get("body", b"")

    return stream()


def _empty_receive(receive: Receive) -> Receive:
    sent = False

    async def receive_() -> t.MutableMapping[str, t.Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return receive_


def normalise_fields(
    schema: dict[str, t.Any], fields: dict[str, list[str]], files: dict[str, UploadFile]
) -> dict[str, t.Any]:
    """Map the wire fields onto the schema's properties, with the types it declares."""
    properties: dict[str, t.Any] = schema.get("properties", {})
    values: dict[str, t.Any] = {}
    objects: dict[str, dict[str, str]] = {}
    for name, raw_values in fields.items():
        bracket = _BRACKET_FIELD.match(name)
        if name not in properties and f"{name}[]" in properties:
            name = f"{name}[]"  # `include` sent without the brackets
        elif name not in properties and bracket and bracket.group(1) in properties:
            objects.setdefault(bracket.group(1), {})[bracket.group(2)] = raw_values[-1]
            continue
        prop = properties.get(name, {})
        if _is_file(prop):
            raise bad_request(
                f"'{name}' must be a file upload (a part with a filename).", param=name
            )
        present = [value for value in raw_values if value != ""]
        if not present:
            continue  # an empty field counts as not sent
        value = _coerce(prop, present)
        if value is None:
            continue  # so does `null` for a nullable one
        values[name] = value
    for name, members in objects.items():
        values[name] = {
            key: _coerce_scalar(properties[name], key, raw) for key, raw in members.items()
        }
    for name in files:
        if name not in properties:
            raise bad_request(f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
        if not _is_file(properties[name]):
            raise bad_request(
                f"Invalid type for '{name}': expected a string, but got a file instead.",
                param=name,
                code="invalid_type",
            )
        values[name] = ""  # the schema validates presence; the bytes are read later
    return values


def _coerce(prop: dict[str, t.Any], raw_values: list[str]) -> t.Any:
    if prop.get("type") == "array":
        items = prop.get("items", {})
        return [_coerce_text(items, value) for value in raw_values]
    return _coerce_text(prop, raw_values[-1])


def _coerce_scalar(prop: dict[str, t.Any], key: str, raw: str) -> t.Any:
    """A member of a bracket-encoded object, typed by whichever oneOf branch declares it."""
    for branch in prop.get("oneOf", []):
        member = branch.get("properties", {}).get(key)
        if member is not None:
            return _coerce_text(member, raw)
    return raw


def _coerce_text(prop: dict[str, t.Any], value: str) -> t.Any:
    kind = prop.get("type")
    text = value.strip()
    if text == "null" and prop.get("nullable"):
        return None
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        return value
    if kind == "integer":
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else value
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            return value
        return number if number == number and abs(number) != float("inf") else value
    if "oneOf" in prop and text.startswith(("{", '"')):
        # One JSON field: an object (the .NET SDK) or a quoted string (generated Go clients).
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


def _is_file(prop: dict[str, t.Any]) -> bool:
    return prop.get("type") == "string" and prop.get("format") in ("binary", "base64")


def validate_values(schema: dict[str, t.Any], values: dict[str, t.Any]) -> None:
    validator = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(values), key=_error_rank)
    if errors:
        raise _to_api_error(errors[0], schema)


def _error_rank(error: ValidationError) -> tuple[int, str]:
    order = {"required": 0, "additionalProperties": 1}
    return order.get(str(error.validator), 2), "/".join(str(p) for p in error.absolute_path)


def _to_api_error(error: ValidationError, schema: dict[str, t.Any]) -> ApiError:
    path = [str(part) for part in error.absolute_path]
    param = path[0] if path else None
    if param is not None and len(path) > 1 and not path[1].isdigit():
        param = ".".join(path)
    kind = str(error.validator)
    value: t.Any = error.instance
    expected: t.Any = error.validator_value
    error_schema: t.Any = error.schema
    if kind == "required":
        missing = _quoted_name(error.message)
        return bad_request(
            f"Missing required parameter: '{missing}'.",
            param=missing,
            code="missing_required_parameter",
        )
    if kind == "additionalProperties":
        extras = sorted(set(value) - set(error_schema.get("properties", {})))
        name = extras[0] if extras else param
        return bad_request(f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
    if kind == "enum":
        supported = ", ".join(f"'{option}'" for option in expected)
        return bad_request(
            f"Invalid value: '{value}'. Supported values are: {supported}.",
            param=param,
            code="invalid_value",
        )
    if kind == "type":
        expected = {"number": "a decimal", "integer": "an integer", "boolean": "a boolean"}.get(
            str(expected), f"a {expected}"
        )
        return bad_request(
            f"Invalid type for '{param}': expected {expected}, but got a string instead.",
            param=param,
            code="invalid_type",
        )
    if kind in ("minimum", "maximum"):
        noun = "integer" if isinstance(value, int) else "decimal"
        above = kind == "maximum"
        bound = "<=" if above else ">="
        return bad_request(
            f"Invalid '{param}': {noun} {'above maximum' if above else 'below minimum'} value. "
            f"Expected a value {bound} {expected}, but got {value} instead.",
            param=param,
            code=f"{noun}_{'above_max' if above else 'below_min'}_value",
        )
    if kind in ("maxLength", "minLength", "maxItems", "minItems"):
        noun = "string" if kind.endswith("Length") else "array"
        article = "an" if noun == "array" else "a"
        above = kind.startswith("max")
        return bad_request(
            f"Invalid '{param}': {noun} too {'long' if above else 'short'}. Expected {article} "
            f"{noun} with {'maximum' if above else 'minimum'} length {expected}, "
            f"but got {article} {noun} with length {len(value)} instead.",
            param=param,
            code=f"{noun}_{'above_max' if above else 'below_min'}_length",
        )
    if kind == "oneOf" and param == "chunking_strategy":
        return bad_request(
            "Invalid 'chunking_strategy': expected 'auto' or an object with "
            "type 'server_vad' (and optionally threshold, prefix_padding_ms, "
            "silence_duration_ms).",
            param=param,
            code="invalid_value",
        )
    return bad_request(f"Invalid '{param}': {error.message}.", param=param, code="invalid_value")


def _quoted_name(message: str) -> str:
    match = re.search(r"'([^']+)'", message)
    return match.group(1) if match else message
