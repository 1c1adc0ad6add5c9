"""Operations: /health, /ready, /metrics, request ids, JSON logs, /v1/models. In process,
but for the log lines, which are read from a served process's output."""

from __future__ import annotations

import json
import math
import re
import typing as t
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from tests.support.audio import GeneratedAudio
from tests.support.inprocess import app_client
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def client(model_cache_dir: Path) -> t.Iterator[TestClient]:
    """The app in this process with the default settings (default model base)."""
    with app_client(model_cache_dir, model="base") as app:
        yield app


def test_health_reports_the_queue(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert set(body["queue"]) == {"workers", "running", "waiting", "max_queue"}
    assert body["queue"]["workers"] >= 1


def test_ready_once_the_default_model_is_loaded(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "default_model": "base"}


def test_ready_is_503_when_the_default_model_cannot_load(tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"not a CTranslate2 model")
    with app_client(tmp_path / "cache", model=str(broken)) as client:
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json()["status"] == "failed"
        assert "could not be loaded" in response.json()["error"]
        assert client.get("/health").status_code == 200


def test_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/health", headers={"X-Request-Id": "client-chosen-42"})
    assert response.headers["x-request-id"] == "client-chosen-42"


def test_request_id_is_generated_when_absent_or_unsafe(client: TestClient) -> None:
    generated = client.get("/health").headers["x-request-id"]
    assert re.fullmatch(r"req_[0-9a-f]{32}", generated)
    unsafe = client.get("/health", headers={"X-Request-Id": "bad id/with spaces;and=more"})
    assert unsafe.headers["x-request-id"].startswith("req_")


def test_errors_carry_a_request_id_too(client: TestClient) -> None:
    assert client.get("/v1/nowhere").headers["x-request-id"].startswith("req_")


def test_logs_are_json_lines_with_request_ids(server: ServerProcess) -> None:
    request_id = "log-check-7"
    httpx.get(f"{server.base_url}/v1/models", headers={"X-Request-Id": request_id})
    log = server.wait_for_log(f'"request_id": "{request_id}"')
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("request_id") == request_id]
    assert access and access[-1]["logger"] == "whisperd.access"
    assert access[-1]["status"] == 200 and access[-1]["path"] == "/v1/models"


def test_metrics_count_requests_audio_and_queue(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    with open(english_speech.path, "rb") as handle:
        assert client.post(
            "/v1/audio/transcriptions", data={"model": "whisper-1"}, files={"file": handle}
        ).is_success
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert re.search(
        r'whisperd_http_requests_total\{method="POST",route="/v1/audio/transcriptions",'
        r'status="200"\} [1-9]',
        text,
    )
    audio = re.search(
        r'whisperd_audio_seconds_processed_total\{model="base",task="transcribe"\} ([0-9.e+]+)',
        text,
    )
    assert audio and float(audio.group(1)) >= math.floor(english_speech.duration)
    assert "whisperd_queue_waiting 0.0" in text
    assert 'whisperd_model_loaded{model="base"} 1.0' in text
    assert "whisperd_http_request_duration_seconds_bucket" in text


def test_metrics_report_the_processes_memory(client: httpx.Client) -> None:
    text = client.get("/metrics").text
    resident = re.search(r"^process_resident_memory_bytes ([0-9.e+]+)$", text, re.MULTILINE)
    in_use = re.search(r"^whisperd_malloc_in_use_bytes ([0-9.e+]+)$", text, re.MULTILINE)
    assert resident and float(resident.group(1)) > 100 * 2**20  # a model is loaded
    assert in_use and 0 < float(in_use.group(1)) < float(resident.group(1))


def test_models_list_is_openai_shaped(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    by_id = {model["id"]: model for model in body["data"]}
    for model in body["data"]:
        assert {"id", "object", "created", "owned_by"} <= set(model)
        assert model["object"] == "model"
    assert by_id["base"]["default"] is True and by_id["base"]["loaded"] is True
    assert by_id["base"]["multilingual"] is True and "de" in by_id["base"]["languages"]
    assert by_id["tiny.en"]["languages"] == ["en"]
    assert by_id["base"]["size_bytes"] == 145_217_607
    assert by_id["whisper-1"]["alias_of"] == "base"


def test_retrieve_model_and_alias(client: TestClient) -> None:
    assert client.get("/v1/models/tiny.en").json()["id"] == "tiny.en"
    assert client.get("/v1/models/whisper-1").json()["alias_of"] == "base"


def test_retrieve_unknown_model_is_404_model_not_found(client: TestClient) -> None:
    response = client.get("/v1/models/whisper-9000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


def test_retrieve_a_very_long_model_name_is_404_not_a_validation_dump(
    client: httpx.Client,
) -> None:
    response = client.get("/v1/models/" + "a" * 1000)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "model_not_found" and len(error["message"]) < 400


def test_models_list_with_the_openai_sdk(client: TestClient) -> None:
    import openai

    sdk = openai.OpenAI(base_url=f"{client.base_url}/v1", api_key="unused", http_client=client)
    models = [model.id for model in sdk.models.list()]
    assert "base" in models and "whisper-1" in models
