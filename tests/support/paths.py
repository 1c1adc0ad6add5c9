"""Where the repository and the shared test data are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("WHISPERD_SHARED_DIR", REPO.parent / "shared"))
SHARED_AUDIO = SHARED / "audio"
SHARED_OPENAI = SHARED / "openai"


def shared_path(relative: str) -> Path:
    """A file of ../shared, or a skip when the shared data is not beside the repository."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"needs the shared test data: {path} is missing")
    return path
