"""Headless Debian chromium driven by Playwright, for the web page's tests.

Never Playwright's own browser download (the machine has no internet): Debian's chromium,
started with flags that keep it off the closed network, in a fresh profile each time.
Every console error and uncaught page error is collected, for the tests to fail on.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
if t.TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, ViewportSize


class Viewport(t.TypedDict):
    width: int
    height: int


DESKTOP: Viewport = {"width": 1280, "height": 800}
PHONE: Viewport = {"width": 390, "height": 844}


@dataclass
class Browser:
    context: BrowserContext
    errors: list[str] = field(default_factory=list)

    def page(self, url: str, viewport: ViewportSize | None = None) -> Page:
        page = self.context.new_page()
        page.set_viewport_size(viewport or DESKTOP)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.goto(url)
        return page

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text} ({message.location})")


@contextlib.contextmanager
def chromium(extra_args: t.Sequence[str] = ()) -> Iterator[Browser]:
    """A browser in a fresh profile; skips when chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium (make test-ui installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (ui-test)")
    profile = Path(tempfile.mkdtemp(prefix="whisperd-chromium-"))
    try:
        with sync_api.sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(profile),
                executable_path=str(CHROMIUM),
                headless=True,
                args=[*CHROMIUM_ARGS, *extra_args],
                accept_downloads=True,
            )
            try:
                yield Browser(context)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
