"""The official OpenAI contract (``shared/openai/openai-audio-subset.yaml``) as validators.

The file is OpenAPI 3.1, whose schemas are JSON Schema 2020-12, so each named component is
checked with jsonschema's Draft 2020-12 validator through a ``$ref`` into the loaded
document. Beyond the schema (whose objects allow any extra key), :func:`undeclared_keys`
lists keys a response carries that the official schema does not declare at all.
"""

from __future__ import annotations

import functools
import typing as t

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.support.paths import OFFICIAL_SPEC

URI = "urn:openai-audio-subset"


@functools.cache
def document() -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], yaml.safe_load(OFFICIAL_SPEC.read_text(encoding="utf-8")))


@functools.cache
def _registry() -> Registry[t.Any]:
    resource: Resource[t.Any] = Resource.from_contents(
        document(), default_specification=DRAFT202012
    )
    registry: Registry[t.Any] = Registry().with_resource(URI, resource)
    return registry


def schema(name: str) -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], document()["components"]["schemas"][name])


def errors(name: str, instance: t.Any) -> list[str]:
    """Every way ``instance`` violates the official schema ``name`` (empty when it conforms)."""
    validator = Draft202012Validator(
        {"$ref": f"{URI}#/components/schemas/{name}"}, registry=_registry()
    )
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def _resolve(node: dict[str, t.Any]) -> dict[str, t.Any]:
    while "$ref" in node:
        node = schema(str(node["$ref"]).rsplit("/", 1)[-1])
    return node


def _declared(node: dict[str, t.Any]) -> dict[str, t.Any]:
    """The properties a schema declares, through $ref, allOf/oneOf/anyOf branches."""
    node = _resolve(node)
    properties: dict[str, t.Any] = dict(node.get("properties", {}))
    for keyword in ("allOf", "oneOf", "anyOf"):
        for branch in node.get(keyword, []):
            for key, value in _declared(branch).items():
                properties.setdefault(key, value)
    return properties


def undeclared_keys(name: str, instance: t.Any) -> list[str]:
    """Paths of object keys in ``instance`` that schema ``name`` never mentions."""
    return _undeclared(schema(name), instance, "")


def _undeclared(node: dict[str, t.Any], instance: t.Any, path: str) -> list[str]:
    node = _resolve(node)
    found: list[str] = []
    if isinstance(instance, dict):
        properties = _declared(node)
        for key, value in instance.items():
            where = f"{path}/{key}"
            if key not in properties:
                found.append(where)
            else:
                found += _undeclared(properties[key], value, where)
    elif isinstance(instance, list):
        items = node.get("items")
        if isinstance(items, dict):
            for index, value in enumerate(instance):
                found += _undeclared(items, value, f"{path}/{index}")
    return found
