"""Reading a results dict whose parts may be missing (skipped) or failed (``{"error": ...}``)."""

from __future__ import annotations

import typing as t


def usable(part: object) -> bool:
    return isinstance(part, dict | list) and not (isinstance(part, dict) and "error" in part)


def part(container: t.Mapping[str, t.Any], key: str) -> t.Any:
    """``container[key]`` when it was measured, else None."""
    value = container.get(key)
    return value if usable(value) else None
