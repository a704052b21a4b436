"""The raw-RQ limit runs through the worker class sfn's own workers use, on one queue."""

from __future__ import annotations

import fakeredis
import pytest

from bench import rq_noop
from engine import activities
from engine.runtime.worker import make_worker


def test_the_noop_worker_is_the_class_sfn_worker_builds() -> None:
    client = fakeredis.FakeRedis()
    built = make_worker(client, [], activities=activities.Registry())
    assert type(rq_noop.worker(client)) is type(built)


def test_the_noop_worker_listens_only_on_the_queue_the_jobs_go_to() -> None:
    assert rq_noop.worker(fakeredis.FakeRedis()).queue_names() == [rq_noop.QUEUE]


def test_a_worker_that_would_listen_on_more_queues_is_refused() -> None:
    extra = activities.Registry()
    extra.activity("bench-extra")(lambda payload: payload)
    with pytest.raises(RuntimeError, match="listens on"):
        rq_noop.worker(fakeredis.FakeRedis(), extra)


def test_the_noop_jobs_run_on_the_noop_worker_and_only_there() -> None:
    from bench.limits import enqueue_noops
    from engine.runtime import dispatch

    client = fakeredis.FakeRedis()
    enqueue_noops(client, 3)
    rq_noop.worker(client).work(burst=True, logging_level="WARNING")
    assert dispatch.queue(client, rq_noop.QUEUE).failed_job_registry.count == 0
    enqueue_noops(client, 2)
    own = make_worker(client, [], activities=activities.Registry())
    own.work(burst=True, logging_level="CRITICAL")  # sfn's own: refused
    assert dispatch.queue(client, rq_noop.QUEUE).failed_job_registry.count == 2
