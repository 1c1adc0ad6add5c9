from __future__ import annotations

import os
from pathlib import Path

import pytest
from whisperd.diarize.embedding import SpeakerEncoder, WeightsNotFoundError, find_weights

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def encoder() -> SpeakerEncoder:
    try:
        return SpeakerEncoder.load(find_weights())
    except WeightsNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def shared_audio() -> Path:
    root = Path(os.environ.get("WHISPERD_SHARED_DIR", REPO.parent / "shared")) / "audio"
    if not (root / "MANIFEST.tsv").is_file():
        pytest.skip(f"no shared audio corpus at {root}")
    return root
