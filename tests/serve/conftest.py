"""Fixtures for the server's tests: real `sfn serve` processes and a real browser."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from support.serve_process import ServeProcess


@pytest.fixture
def sfn_serve(redis_url: str, tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """A factory starting `sfn serve` on `redis_url` (args=(...), env={...}); all stopped after."""
    started: list[ServeProcess] = []

    def start(*, args: tuple[str, ...] = (), env=None, cwd: Path | None = None) -> ServeProcess:
        server = ServeProcess(redis_url, tmp_path / "serve-logs", args=args, env=env)
        started.append(server)
        return server.start(cwd=cwd)

    yield start
    for server in started:
        server.stop()


CHROMIUM = os.environ.get("SFN_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by playwright (playwright's own download is not used).

    Missing Chromium fails under CI (which installs it) and skips elsewhere, saying what to
    install."""
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: apt-get install chromium (or set SFN_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A 1280x900 page that fails the test on any JavaScript error or unexpected dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors
