"""The functions RQ workers run: activities and joins (which also start children).

Every job ends by advancing a run and committing (no extra hop). Jobs are idempotent: a result,
timer or join for something no longer awaited is a stale trigger that commits nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from rq import get_current_job

from engine import activities
from engine.core.triggers import TaskFailed, TaskSucceeded
from engine.errors import UnknownResource
from engine.runtime import groups, leases, watchdog
from engine.runtime.commit import Runtime

Json = Any
CALLBACK_SUFFIX = ".waitForTaskToken"
# The error a task fails with when the worker that took it lacks its activity. Unrouted tasks
# wait on their activity's own queue, so this happens only on a misroute: a worker given
# `--queue X` (or an $SFN_ACTIVITY_QUEUES route to X) without loading an activity routed to X.
UNKNOWN_ACTIVITY = "Sfn.UnknownActivity"


def _runtime() -> Runtime:
    return Runtime(get_current_job().connection)


def _context(runtime: Runtime, job: dict[str, Any]) -> activities.ActivityContext:
    timeout = job.get("timeout_seconds")
    execution, token = job["execution"], job["token"]
    return activities.ActivityContext(
        execution_id=execution,
        state_name=job["state"],
        attempt=job["attempt"] + 1,
        deadline=datetime.now(UTC) + timedelta(seconds=timeout) if timeout else None,
        idempotency_key=job["idempotency_key"],
        task_token=token,
        heartbeat=lambda: leases.record_heartbeat(runtime.redis, execution, token),
    )


def watched(function: Callable[..., None]) -> Callable[..., None]:
    """A job that, once it ends without an exception, ends the watch enqueued with it."""

    @functools.wraps(function)
    def job(**kwargs: Any) -> None:
        function(**kwargs)
        current = get_current_job()
        watchdog.release(current.connection, kwargs["execution"], current.origin, current.id)

    return job


@watched
def run_task(**job: Any) -> None:
    """Run one Task attempt and commit its result (callback tasks wait for send-task-*)."""
    runtime = _runtime()
    execution, run_id, token = job["execution"], job["run"], job["token"]
    if not runtime.awaits_task(execution, run_id, token):
        return  # a duplicate, or the task timed out / was stopped while queued
    try:
        entry = activities.default_registry.resolve(job["resource"])
    except UnknownResource as error:
        runtime.advance(execution, run_id, TaskFailed(token, UNKNOWN_ACTIVITY, str(error)))
        return
    lease = leases.Lease(runtime.redis, execution, run_id, token, job.get("delivery", 0))
    lease.hold(heartbeat=bool(job.get("heartbeat_seconds")))
    try:
        try:
            output = entry(job["input"], _context(runtime, job))
        except Exception as error:
            kind, cause = activities.error_from_exception(error)
            runtime.advance(execution, run_id, TaskFailed(token, kind, cause))
            return
        if not job["resource"].endswith(CALLBACK_SUFFIX):
            runtime.advance(execution, run_id, TaskSucceeded(token, output))
    finally:
        lease.release()


@watched
def advance_group(execution: str, group: str) -> None:
    groups.advance_group(_runtime(), execution, group)
