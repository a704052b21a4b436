"""Fixtures for the server's tests: a real `sfn serve` process factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
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
