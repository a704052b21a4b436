"""Leases and job watches of Task attempts: taken with the awaited check, ended in the result's
commit, renewed by one thread per process; a duplicate never runs, a failed commit is resent."""

from __future__ import annotations

import os
import time

import pytest
import redis
from rq import SimpleWorker
from support.inspection import due_at, make_due, timer_kinds, timers

from engine import activities
from engine.runtime import dispatch, keys, leases
from engine.runtime.config import RuntimeConfig
from engine.runtime.engine import Engine
from engine.runtime.runtime import Runtime
from engine.runtime.timer_entries import LeaseExpiry
from engine.runtime.worker import make_worker

from .conftest import drain

LEASE = RuntimeConfig().lease_seconds

RUNS: list[str] = []


@activities.activity("lease_probe")
def probe(task: dict) -> dict:
    RUNS.append(task["n"])
    return {"n": task["n"]}


@activities.activity("lease_broken")
def broken(task: dict) -> dict:
    raise ValueError("broken")


@activities.activity("lease_callback")
def callback(task: dict, context: activities.ActivityContext) -> None:
    RUNS.append(context.task_token)


def machine(resource: str) -> dict:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True}}}


def queued_task(engine: Engine, resource: str) -> dict:
    """The kwargs of the one Task job waiting on the activity's queue."""
    queue = dispatch.queue(engine.redis, dispatch.activity_queue(resource))
    (job,) = queue.get_jobs()
    return job.kwargs


def work_once(engine: Engine) -> None:
    """Run the queued jobs once, without firing timers."""
    make_worker(engine.redis, [], SimpleWorker, activities=engine.activities).work(
        burst=True, logging_level="WARNING"
    )


@pytest.fixture(autouse=True)
def _clean() -> None:
    RUNS.clear()


def test_the_result_commit_ends_the_lease_and_the_job_watch(engine: Engine) -> None:
    execution = engine.start_execution(machine("lease_probe"), {"n": 1})
    assert timer_kinds(engine.redis) == ["job"]
    assert drain(engine, execution)["status"] == "SUCCEEDED"
    assert timer_kinds(engine.redis) == []
    assert RUNS == [1]


def test_a_failed_activity_ends_its_lease_and_watch_with_the_failure(engine: Engine) -> None:
    execution = engine.start_execution(machine("lease_broken"), {})
    described = drain(engine, execution)
    assert (described["status"], described["error"]) == ("FAILED", "ValueError")
    assert timer_kinds(engine.redis) == []


def test_a_duplicate_of_a_committed_attempt_does_not_run(engine: Engine) -> None:
    execution = engine.start_execution(machine("lease_probe"), {"n": 2})
    task = queued_task(engine, "lease_probe")
    assert drain(engine, execution)["status"] == "SUCCEEDED"
    with engine.redis.pipeline() as pipe:
        pipe.multi()
        queue_name = dispatch.activity_queue("lease_probe")
        config = engine.runtime.config
        dispatch.enqueue(pipe, engine.redis, config, "run_task", task, queue_name=queue_name)
        pipe.execute()
    drain(engine, execution)
    assert RUNS == [2]
    assert timer_kinds(engine.redis) == []  # its lease (taken with the check) and watch ended


def test_a_callback_task_ends_its_lease_and_watch_and_keeps_waiting(engine: Engine) -> None:
    execution = engine.start_execution(machine("lease_callback.waitForTaskToken"), {})
    work_once(engine)
    (token,) = RUNS
    assert engine.describe(execution)["status"] == "RUNNING"
    assert timer_kinds(engine.redis) == []
    engine.send_task_success(token, {"ok": True})
    assert engine.describe(execution)["status"] == "SUCCEEDED"


def test_a_failed_commit_leaves_the_lease_to_fall_due(engine: Engine, monkeypatch) -> None:
    execution = engine.start_execution(machine("lease_probe"), {"n": 3})

    def unreachable(*args, **kwargs):
        raise redis.ConnectionError("Redis went away")

    monkeypatch.setattr(Runtime, "advance", unreachable)
    work_once(engine)
    assert RUNS == [3]
    assert timer_kinds(engine.redis) == ["job", "lease"]
    (lease,) = [t for t in timers(engine.redis, execution) if isinstance(t, LeaseExpiry)]
    make_due(engine.redis, lease, 0)
    leases.RENEWER.renew()
    assert due_at(engine.redis, lease) == 0  # no longer renewed
    monkeypatch.undo()
    assert drain(engine, execution)["status"] == "SUCCEEDED"  # the lost lease resent it
    assert RUNS == [3, 3]


def test_one_renewal_pushes_every_held_lease_and_never_revives_an_ended_one(fake) -> None:
    held = [leases.Lease(fake, "E:1", "root", f"token{n}", seconds=LEASE) for n in range(3)]
    for lease in held:
        fake.zadd(keys.TIMERS, {lease.member: 0})
        lease.keep()
    ended = held.pop()
    ended.stop_renewing()
    fake.zrem(keys.TIMERS, ended.member)
    before = time.time()
    leases.RENEWER.renew()
    for lease in held:
        assert fake.zscore(keys.TIMERS, lease.member) >= before + LEASE - 1
        lease.stop_renewing()
    assert fake.zscore(keys.TIMERS, ended.member) is None


def test_a_forked_child_does_not_renew_its_parents_leases(fake) -> None:
    lease = leases.Lease(fake, "E:2", "root", "parent", seconds=LEASE)
    fake.zadd(keys.TIMERS, {lease.member: 0})
    lease.keep()
    try:
        child = os.fork()
        if child == 0:
            fake.zadd(keys.TIMERS, {lease.member: 0})
            leases.RENEWER.renew()
            os._exit(0 if fake.zscore(keys.TIMERS, lease.member) == 0 else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        lease.stop_renewing()
