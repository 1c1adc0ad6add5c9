"""``GET /v1/models``: the installed models, and OpenAI's model names, in OpenAI's shape with
whisperd's extension fields (``loaded``, ``languages``, ``size_bytes``, ``alias_of``...)."""

from __future__ import annotations

import typing as t

from whisperd.errors import model_not_found
from whisperd.store.catalog import OPENAI_MODEL_ALIASES
from whisperd.store.manager import ModelStatus


def model_list(statuses: list[ModelStatus], default_model: str) -> list[dict[str, t.Any]]:
    """Each installed model, then each OpenAI name as an alias of the default model."""
    described = [_entry(status) for status in statuses]
    default = next((entry for entry in described if entry["id"] == default_model), None)
    for alias in sorted(OPENAI_MODEL_ALIASES):
        entry = dict(default or {"id": alias, "object": "model", "created": 0})
        entry.update({"id": alias, "alias_of": default_model, "default": False})
        entry.setdefault("owned_by", "whisperd")
        described.append(entry)
    return described


def model_entry(statuses: list[ModelStatus], default_model: str, name: str) -> dict[str, t.Any]:
    for entry in model_list(statuses, default_model):
        if entry["id"] == name:
            return entry
    raise model_not_found(name)


def _entry(status: ModelStatus) -> dict[str, t.Any]:
    return {
        "id": status.id,
        "object": "model",
        "created": status.installed_at,
        "owned_by": "whisperd",
        "alias_of": None,
        "default": status.default,
        "loaded": status.loaded,
        "multilingual": status.multilingual,
        "languages": status.languages,
        "size_bytes": status.size_bytes,
    }
