"""The whole application in the test process, over Starlette's test client: the same
routing, validation, middleware and service as a served process, without a socket."""

from __future__ import annotations

import contextlib
import time
import typing as t
from pathlib import Path

from starlette.testclient import TestClient
from whisperd.app import create_app
from whisperd.settings import Settings


@contextlib.contextmanager
def app_client(cache_dir: Path, **settings: t.Any) -> t.Iterator[TestClient]:
    """A client of the app built from ``settings`` (tiny.en by default), its lifespan run and
    its default model loaded."""
    values: dict[str, t.Any] = {"model": "tiny.en", "cache_dir": str(cache_dir), **settings}
    app = create_app(Settings(**values))
    with TestClient(app, raise_server_exceptions=False) as client:
        deadline = time.monotonic() + 60
        while client.get("/ready").json()["status"] == "loading":
            if time.monotonic() > deadline:
                raise RuntimeError("the default model did not load in 60 s")
            time.sleep(0.05)
        yield client
