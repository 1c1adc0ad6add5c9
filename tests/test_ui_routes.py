"""The web page's routes in process: the page and its files with their content types, no
way out of the package's folder, no key needed for the page, and ``no_ui``."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from whisperd.ui import CONTENT_TYPES, static_files

from tests.support.inprocess import app_client


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def client(cache_dir: Path) -> t.Iterator[TestClient]:
    with app_client(cache_dir) as client:
        yield client


def test_the_page_is_served_at_the_root(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == CONTENT_TYPES[".html"]
    assert 'data-auth="open"' in answer.text
    assert "default-src 'none'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize("name", sorted(set(static_files()) - {"index.html"}))
def test_each_file_has_its_content_type(client: TestClient, name: str) -> None:
    answer = client.get(f"/ui/{name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == CONTENT_TYPES["." + name.rpartition(".")[2]]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.content == static_files()[name].body


@pytest.mark.parametrize(
    "path",
    ["/ui/../app.py", "/ui/..%2F__init__.py", "/ui/%2e%2e%2fsettings.py", "/ui/nope.js",
     "/ui/", "/ui/__init__.py", "/ui/static"],
)  # fmt: skip
def test_nothing_outside_the_page_files_is_served(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["type"] == "invalid_request_error"


def test_with_keys_the_page_needs_none_and_says_keys_are_needed(cache_dir: Path) -> None:
    with app_client(cache_dir, api_key="page-key") as client:
        page = client.get("/")
        script = client.get("/ui/app.js")
        models = client.get("/v1/models")
    assert page.status_code == 200 and 'data-auth="key"' in page.text
    assert script.status_code == 200
    assert models.status_code == 401


@pytest.mark.parametrize("path", ["/", "/ui/app.js"])
def test_no_ui_answers_404_in_openai_envelope(cache_dir: Path, path: str) -> None:
    with app_client(cache_dir, no_ui=True) as client:
        answer = client.get(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == f"Invalid URL (GET {path})"
