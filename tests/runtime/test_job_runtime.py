"""A worker's jobs share one Runtime (`jobs._runtime`), built again only when what it was built
from changes: the job's connection, the process's settings, the hosted activities' routes."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import fakeredis
import pytest

from engine.activities import Registry
from engine.runtime import config, jobs


@pytest.fixture
def connection(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The current RQ job, as `jobs` sees it: only its connection matters here."""
    job = SimpleNamespace(connection=fakeredis.FakeRedis())
    monkeypatch.setattr(jobs, "get_current_job", lambda: job)
    return job


@pytest.fixture
def hosted(monkeypatch: pytest.MonkeyPatch) -> Registry:
    registry = Registry()
    monkeypatch.setattr(jobs, "_hosted", registry)
    return registry


def test_jobs_on_one_connection_share_a_runtime(connection, hosted) -> None:
    first = jobs._runtime()
    assert jobs._runtime() is first
    assert first.redis is connection.connection


def test_a_new_connection_settings_or_route_builds_a_new_runtime(connection, hosted) -> None:
    first = jobs._runtime()
    connection.connection = fakeredis.FakeRedis()
    second = jobs._runtime()
    assert second is not first and second.redis is connection.connection
    config.install(config.current().with_routes({"other": "q.other"}))
    third = jobs._runtime()
    assert third is not second and third.config.activity_queues["other"] == "q.other"

    @hosted.activity("routed", queue="q.routed")
    def routed(data):
        return data

    fourth = jobs._runtime()
    assert fourth is not third and fourth.config.activity_queues["routed"] == "q.routed"
    assert jobs._runtime() is fourth


def test_each_thread_builds_its_own(connection, hosted) -> None:
    mine = jobs._runtime()
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(jobs._runtime()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine and theirs[0].redis is mine.redis
