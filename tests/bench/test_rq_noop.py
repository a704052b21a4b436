"""The raw-RQ limit runs through the worker class sfn's own workers use, on one queue."""

from __future__ import annotations

import sys
from pathlib import Path

import fakeredis
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import rq_noop  # noqa: E402
from engine import activities  # noqa: E402
from engine.runtime.worker import make_worker  # noqa: E402


@pytest.fixture(autouse=True)
def no_activities(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in the no-op worker's own process: no activity loaded (other tests load W5's)."""
    monkeypatch.setattr(activities, "default_registry", activities.Registry())


def test_the_noop_worker_is_the_class_sfn_worker_builds() -> None:
    client = fakeredis.FakeRedis()
    assert type(rq_noop.worker(client)) is type(make_worker(client, []))


def test_the_noop_worker_listens_only_on_the_queue_the_jobs_go_to() -> None:
    assert rq_noop.worker(fakeredis.FakeRedis()).queue_names() == [rq_noop.QUEUE]


def test_a_worker_that_would_listen_on_more_queues_is_refused() -> None:
    activities.default_registry.activity("bench-extra")(lambda payload: payload)
    with pytest.raises(RuntimeError, match="listens on"):
        rq_noop.worker(fakeredis.FakeRedis())


def test_the_noop_jobs_run_on_the_noop_worker_and_only_there() -> None:
    from bench.limits import enqueue_noops
    from engine.runtime import dispatch

    client = fakeredis.FakeRedis()
    enqueue_noops(client, 3)
    rq_noop.worker(client).work(burst=True, logging_level="WARNING")
    assert dispatch.queue(client, rq_noop.QUEUE).failed_job_registry.count == 0
    enqueue_noops(client, 2)
    make_worker(client, []).work(burst=True, logging_level="CRITICAL")  # sfn's own: refused
    assert dispatch.queue(client, rq_noop.QUEUE).failed_job_registry.count == 2
