"""Where the suite finds the spec, the shared OpenAI data and its own files.

The shared data (``../shared`` beside the repository, or ``$WHISPERD_SHARED_DIR``) is read in
place, never copied; tests that need it skip with a reason when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import REPO, SHARED

CONFORMANCE = REPO / "conformance"
SPEC = REPO / "spec" / "openapi.yaml"
OPENAI = SHARED / "openai"
OFFICIAL_SPEC = OPENAI / "openai-audio-subset.yaml"
FIXTURES = OPENAI / "fixtures"
RESPONSES = FIXTURES / "responses"
SHARED_AUDIO = SHARED / "audio"
README = CONFORMANCE / "README.md"
RESULTS_JSON = CONFORMANCE / "results.json"
NODE_DIR = CONFORMANCE / "node"


def require(path: Path) -> Path:
    """``path`` inside the shared data, or a skip naming what is missing."""
    if not path.exists():
        pytest.skip(f"needs the shared test data: {path} is missing")
    return path
