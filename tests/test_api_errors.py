"""Bad input always gets OpenAI's error envelope with the right status, and the server
keeps serving. In process: none of these needs a served socket, and only the last needs
model output."""

from __future__ import annotations

import typing as t
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from tests.support.audio import GeneratedAudio, tone, write_wav
from tests.support.errors import assert_error
from tests.support.http import URL
from tests.support.inprocess import app_client


@pytest.fixture(scope="module")
def client(model_cache_dir: Path) -> t.Iterator[TestClient]:
    """The app in this process, default model tiny.en (base is installed too)."""
    with app_client(model_cache_dir) as app:
        yield app


def upload(
    client: httpx.Client, content: bytes, name: str = "a.wav", **fields: str
) -> httpx.Response:
    return client.post(
        URL, data={"model": "whisper-1", **fields}, files={"file": (name, content, "audio/wav")}
    )


def test_invalid_language_matches_openai(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    response = upload(
        client, english_speech.path.read_bytes(), language="this should cause an error"
    )
    error = assert_error(response, 400, "language", "invalid_language_format")
    assert error["message"] == (
        "Invalid language 'this should cause an error'. Language parameter must be specified "
        "in ISO-639-1 format."
    )
    assert response.json()["usage"] == {"type": "duration", "seconds": 0}


def test_language_the_model_lacks(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    response = upload(client, english_speech.path.read_bytes(), language="fr", model="tiny.en")
    assert_error(response, 400, "language", "unsupported_language")


def test_unknown_model_is_404(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    response = upload(client, english_speech.path.read_bytes(), model="whisper-9000")
    assert_error(response, 404, "model", "model_not_found")


def test_model_path_is_refused_by_default(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    response = upload(client, english_speech.path.read_bytes(), model="/etc")
    assert_error(response, 404, "model", "model_not_found")


def test_not_audio_is_400_naming_the_file(client: httpx.Client) -> None:
    error = assert_error(upload(client, b"%PDF-1.4 not audio" * 50, name="report.pdf"), 400, "file")
    assert "report.pdf" in str(error["message"])
    assert str(error["message"]).startswith("Invalid file format.")


def test_windows_path_filename_is_only_named(client: httpx.Client) -> None:
    error = assert_error(upload(client, b"junk" * 100, name="C:\\Users\\me\\talk.mp3"), 400)
    assert "'talk.mp3'" in str(error["message"])


def test_empty_file_is_too_short(client: httpx.Client) -> None:
    assert_error(upload(client, b""), 400, "file", "audio_too_short")


def test_very_short_audio_is_too_short(client: httpx.Client, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "blip.wav", tone(0.05))
    response = upload(client, path.read_bytes())
    error = assert_error(response, 400, "file", "audio_too_short")
    assert error["message"] == "Audio file is too short. Minimum audio length is 0.1 seconds."


def test_missing_file(client: httpx.Client) -> None:
    response = client.post(URL, data={"model": "whisper-1"}, files={"other": ("x", b"x")})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_missing_model(client: httpx.Client, english_speech: GeneratedAudio) -> None:
    response = client.post(URL, files={"file": ("a.wav", english_speech.path.read_bytes())})
    assert_error(response, 400, "model", "missing_required_parameter")


def test_json_body_is_415(client: httpx.Client) -> None:
    assert_error(client.post(URL, json={"model": "whisper-1"}), 415)


def test_form_urlencoded_body_is_415(client: httpx.Client) -> None:
    assert_error(client.post(URL, data={"model": "whisper-1"}), 415)


def test_post_without_a_body_or_content_type_is_415(client: httpx.Client) -> None:
    error = assert_error(client.post(URL), 415)
    assert "'none'" in error["message"]


def test_multipart_without_boundary_is_400(client: httpx.Client) -> None:
    response = client.post(URL, content=b"xx", headers={"content-type": "multipart/form-data"})
    assert_error(response, 400)


def test_malformed_multipart_is_400(client: httpx.Client) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--b'
    response = client.post(
        URL, content=body, headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_unknown_route_is_404(client: httpx.Client) -> None:
    error = assert_error(client.get("/v1/audio/speech"), 404)
    assert error["message"] == "Invalid URL (GET /v1/audio/speech)"


def test_wrong_method_is_405(client: httpx.Client) -> None:
    assert_error(client.get(URL), 405)


def test_upload_over_the_limit_is_413(client: httpx.Client) -> None:
    big = b"\0" * (25 * 1024 * 1024 + 1024)
    response = upload(client, big)
    error = assert_error(response, 413)
    assert error["type"] == "server_error"
    assert str(error["message"]).startswith("Maximum content size limit (26214400) exceeded")


def test_logprobs_with_text_format_is_refused(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    response = upload(
        client, english_speech.path.read_bytes(), response_format="srt", **{"include[]": "logprobs"}
    )
    assert_error(response, 400, "include[]", "unsupported_value")


def test_translation_with_english_only_model_is_refused(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    response = client.post(
        "/v1/audio/translations",
        data={"model": "tiny.en"},
        files={"file": ("a.wav", english_speech.path.read_bytes())},
    )
    assert_error(response, 400, "model", "unsupported_value")


@pytest.mark.parametrize(
    ("field", "value", "param"),
    [
        ("temperature", "2", "temperature"),
        ("temperature", "warm", "temperature"),
        ("response_format", "xml", "response_format"),
        ("stream", "perhaps", "stream"),
        ("beam_size", "0", "beam_size"),
        ("unknown_field", "1", "unknown_field"),
        ("timestamp_granularities[]", "sentence", "timestamp_granularities[]"),
    ],
)
def test_invalid_parameters_name_the_param(
    client: httpx.Client, english_speech: GeneratedAudio, field: str, value: str, param: str
) -> None:
    response = upload(client, english_speech.path.read_bytes(), **{field: value})
    assert_error(response, 400, param)


def test_server_still_serves_after_bad_input(
    client: httpx.Client, english_speech: GeneratedAudio
) -> None:
    for content in (b"", b"garbage" * 1000, b"\xff\xfb" * 5000):
        upload(client, content)
    assert upload(client, english_speech.path.read_bytes()).status_code == 200


def test_wrong_method_names_the_allowed_ones(client: httpx.Client) -> None:
    response = client.get(URL)
    assert_error(response, 405)
    assert "POST" in response.headers["allow"]
