"""Fixtures of the deployment tests: every overlay rendered once per session."""

from __future__ import annotations

import sys

import pytest
from manifests import K8S, OVERLAYS, REPO, Obj, render

# The manifests are checked against the server code of this same checkout.
sys.path.insert(0, str(REPO / "server"))


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Obj]]:
    return {name: render(K8S / "overlays" / name) for name in OVERLAYS}


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest, rendered: dict[str, list[Obj]]) -> list[Obj]:
    objects: list[Obj] = rendered[request.param]
    return objects
