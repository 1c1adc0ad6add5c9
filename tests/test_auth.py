"""API keys, in process: every route but the probes needs a configured key, sent as a
Bearer token, and a refused request is answered before its body is read."""

from __future__ import annotations

import logging
import typing as t
from pathlib import Path

import openai
import pytest
from starlette.testclient import TestClient
from whisperd.app import create_app
from whisperd.http.auth import ApiKeyMiddleware
from whisperd.settings import Settings

from tests.support.audio import GeneratedAudio
from tests.support.errors import assert_error
from tests.support.http import URL, multipart
from tests.support.inprocess import app_client

ENV_KEYS = "sk-env-key-0123456789,sk-second-key-99999"


@pytest.fixture(scope="module")
def keyed(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path
) -> t.Iterator[TestClient]:
    keys_file = tmp_path_factory.mktemp("keys") / "keys.txt"
    keys_file.write_text("# operators' keys\nsk-file-key-0123456789\n")
    with app_client(model_cache_dir, api_key=ENV_KEYS, api_keys_file=str(keys_file)) as client:
        yield client


def test_missing_key_is_401(keyed: TestClient, english_speech: GeneratedAudio) -> None:
    response = keyed.post(
        URL, data={"model": "whisper-1"}, files={"file": english_speech.path.read_bytes()}
    )
    error = assert_error(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert error["type"] == "invalid_request_error"


def test_wrong_key_is_401_invalid_api_key(keyed: TestClient) -> None:
    response = keyed.get("/v1/models", headers={"Authorization": "Bearer sk-wrong-key-000000"})
    error = assert_error(response, 401, code="invalid_api_key")
    assert "sk-wrong-key-000000" not in str(error["message"])


def test_other_schemes_are_refused(keyed: TestClient) -> None:
    response = keyed.get("/v1/models", headers={"Authorization": "Basic c2stZW52LWtleQ=="})
    assert_error(response, 401)


@pytest.mark.parametrize(
    "key", ["sk-env-key-0123456789", "sk-second-key-99999", "sk-file-key-0123456789"]
)
def test_each_configured_key_is_accepted(keyed: TestClient, key: str) -> None:
    assert keyed.get("/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_probes_need_no_key_but_metrics_do(keyed: TestClient) -> None:
    assert keyed.get("/health").status_code == 200
    assert keyed.get("/ready").status_code == 200
    assert keyed.get("/metrics").status_code == 401


def test_keys_are_checked_before_the_body_is_read(keyed: TestClient) -> None:
    body, content_type = multipart(b"\0" * (30 * 1024 * 1024))
    response = keyed.post(URL, content=body, headers={"Content-Type": content_type})
    assert response.status_code == 401  # not 413: unauthenticated bodies are not read


def test_openai_sdk_sends_its_key(keyed: TestClient, english_speech: GeneratedAudio) -> None:
    base_url = f"{keyed.base_url}/v1"
    good = openai.OpenAI(
        base_url=base_url, api_key="sk-env-key-0123456789", max_retries=0, http_client=keyed
    )
    assert good.audio.transcriptions.create(model="whisper-1", file=english_speech.path).text
    bad = openai.OpenAI(base_url=base_url, api_key="nope", max_retries=0, http_client=keyed)
    with pytest.raises(openai.AuthenticationError):
        bad.audio.transcriptions.create(model="whisper-1", file=english_speech.path)


def test_key_comparison_accepts_only_exact_keys() -> None:
    middleware = ApiKeyMiddleware(app=None, keys=["sk-abc"])  # type: ignore[arg-type]
    assert middleware.accepts("sk-abc")
    assert not middleware.accepts("sk-ab")
    assert not middleware.accepts("sk-abcd")
    assert not middleware.accepts("")


def test_public_address_without_keys_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="whisperd"):
        create_app(Settings(host="0.0.0.0"))
    assert "without API keys" in caplog.text


def test_public_address_with_keys_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="whisperd"):
        create_app(Settings(host="0.0.0.0", api_key="sk-some-key-0123"))
    assert "without API keys" not in caplog.text


def test_open_server_needs_no_key(
    model_cache_dir: Path,
) -> None:
    with app_client(model_cache_dir) as client:
        assert client.get("/v1/models").status_code == 200
