"""Nothing a request sends reaches the filesystem: upload names are only quoted in
messages, and model names are never paths unless the operator allows it (in process)."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from whisperd.store.catalog import KNOWN_MODELS
from whisperd.store.packs import part_directory

from tests.support.audio import GeneratedAudio
from tests.support.errors import assert_error
from tests.support.http import URL
from tests.support.inprocess import app_client


@pytest.fixture(scope="module")
def client(model_cache_dir: Path) -> t.Iterator[TestClient]:
    with app_client(model_cache_dir) as app:
        yield app


def test_upload_filenames_never_touch_the_filesystem(client: TestClient, tmp_path: Path) -> None:
    target = tmp_path / "escaped.wav"
    name = f"../../../../../../{target}"
    response = client.post(URL, data={"model": "whisper-1"}, files={"file": (name, b"RIFFjunk")})
    error = assert_error(response, 400, "file")
    assert not target.exists()
    assert "'escaped.wav'" in str(error["message"])


@pytest.mark.parametrize("model", ["../../../etc/passwd", "/etc", "~", "base/../../etc"])
def test_model_field_cannot_reach_the_filesystem(
    client: TestClient, english_speech: GeneratedAudio, model: str
) -> None:
    response = client.post(
        URL, data={"model": model}, files={"file": english_speech.path.read_bytes()}
    )
    assert_error(response, 404, "model", "model_not_found")


def test_operator_may_allow_model_directories(
    model_cache_dir: Path, english_speech: GeneratedAudio
) -> None:
    pack = KNOWN_MODELS["tiny.en"].pack
    assert pack is not None
    directory = part_directory(pack.parts[0])
    audio = english_speech.path.read_bytes()
    with app_client(model_cache_dir, allow_local_model_paths=True) as client:
        response = client.post(URL, data={"model": str(directory)}, files={"file": audio})
        assert response.status_code == 200, response.text
        assert "transcription server" in response.json()["text"].lower()
        missing = client.post(URL, data={"model": "/etc"}, files={"file": audio})
        assert_error(missing, 404, "model", "model_not_found")
