"""The Dockerfiles lint clean and build with the same command the Makefile runs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCKERFILES = ["Dockerfile", "Dockerfile.cuda"]


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_dockerfile_passes_hadolint(dockerfile: str) -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), "--no-color", str(REPO / dockerfile)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_dockerfile_runs_unprivileged_with_a_healthcheck(dockerfile: str) -> None:
    text = (REPO / dockerfile).read_text()
    users = re.findall(r"^USER (\S+)", text, flags=re.M)
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert re.search(r"^HEALTHCHECK .*\n?.*/ready", text, flags=re.M)
    assert "make runtime" in text


def test_the_image_build_step_installs_a_working_server(tmp_path: Path) -> None:
    """`make runtime`, as the Dockerfile runs it, from a copy of the build context."""
    context = tmp_path / "context"
    context.mkdir()
    for name in ("pyproject.toml", "constraints.txt", "Makefile", "README.md"):
        shutil.copy(REPO / name, context / name)
    shutil.copytree(REPO / "spec", context / "spec")
    shutil.copytree(REPO / "server", context / "server", symlinks=True)
    venv = tmp_path / "venv"
    result = subprocess.run(
        ["make", "runtime", f"VENV={venv}", "MODELS=tiny-en", f"PYTHON={sys.executable}"],
        cwd=context, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    version = subprocess.run(
        [str(venv / "bin" / "whisperd"), "--version"], capture_output=True, text=True
    )
    assert version.stdout.startswith("whisperd ")
    path = subprocess.run(
        [str(venv / "bin" / "whisperd"), "models", "path", "tiny.en"],
        capture_output=True, text=True, env={"WHISPERD_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert path.returncode == 0 and str(venv) in path.stdout
