"""Fixtures for the runtime's fast tests: an in-process fake Redis and a synchronous drain."""

from __future__ import annotations

import time
from collections.abc import Iterator

import fakeredis
import pytest

from engine.activities import default_registry
from engine.runtime import config
from engine.runtime.engine import Engine
from engine.runtime.store import FINAL_STATUSES
from engine.runtime.timers import fire_due
from engine.runtime.worker import make_worker


@pytest.fixture
def fake() -> Iterator[fakeredis.FakeRedis]:
    client = fakeredis.FakeRedis()
    yield client
    client.flushall()


@pytest.fixture
def engine(fake: fakeredis.FakeRedis) -> Engine:
    return Engine(client=fake, activities=default_registry)  # the tests' @activity ones


@pytest.fixture
def setting(engine: Engine, monkeypatch: pytest.MonkeyPatch):
    """setting(name, value): an SFN_* environment setting for the rest of the test, read anew
    by this process (as a process started with it would) and by `engine`."""

    def put(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        config.forget()
        engine.runtime.config = config.current()

    return put


def drain(engine: Engine, execution: str, queues: tuple[str, ...] = (), timeout=10.0):
    """Run queued jobs and due timers in this process until the execution ends.

    Like `sfn worker`, it listens on `sfn`, the queues of the registered activities and
    `queues` (routed activities)."""
    worker = make_worker(engine.redis, queues, activities=engine.activities)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.work(burst=True, logging_level="WARNING")
        fire_due(engine.runtime)
        described = engine.describe(execution)
        if described["status"] in FINAL_STATUSES:
            return described
    raise TimeoutError(f"{execution} did not finish in {timeout} s")
