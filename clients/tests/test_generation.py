"""`make clients` on a clean checkout changes nothing: the committed SDKs match the spec.

Regenerates every client into the tree with the pinned generators, then asks git whether
anything under clients/ differs from the last commit, untracked files included. A failure
lists the files: regenerate (`make clients`) and commit them with the spec change.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from clients.tests.conftest import CLIENTS, REPO, run_tool


def git_status() -> str:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed: cannot compare with the committed clients")
    inside = subprocess.run(
        [git, "rev-parse", "--is-inside-work-tree"], cwd=REPO, capture_output=True, text=True
    )
    if inside.stdout.strip() != "true":
        pytest.skip("not a git checkout: cannot compare with the committed clients")
    status = run_tool(
        [git, "status", "--porcelain", "--untracked-files=all", "--", "clients/"], cwd=REPO
    )
    return status.stdout


def test_regeneration_changes_nothing() -> None:
    run_tool([sys.executable, str(CLIENTS / "generate.py")], cwd=REPO)
    changed = git_status()
    assert changed == "", f"clients/ differs from the commit after `make clients`:\n{changed}"
