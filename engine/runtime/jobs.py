"""The functions RQ workers run: activities, timers, child starts and joins.

Every job ends by advancing a run and committing (no extra hop). Jobs are idempotent: a result,
timer or join for something no longer awaited is a stale trigger that commits nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rq import get_current_job

from engine import activities
from engine.core.triggers import TaskFailed, TaskSucceeded, TaskTimedOut, TimerFired
from engine.errors import UnknownResource
from engine.runtime import groups, leases
from engine.runtime.commit import Runtime

Json = Any
CALLBACK_SUFFIX = ".waitForTaskToken"
# The error a task fails with when no worker registered its activity.
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


def run_task(**job: Any) -> None:
    """Run one Task attempt and commit its result (callback tasks wait for send-task-*)."""
    runtime = _runtime()
    execution, run_id, token = job["execution"], job["run"], job["token"]
    if not awaits(runtime, execution, run_id, token):
        return  # a duplicate, or the task timed out / was stopped while queued
    try:
        entry = activities.default_registry.resolve(job["resource"])
    except UnknownResource as error:
        runtime.advance(execution, run_id, TaskFailed(token, UNKNOWN_ACTIVITY, str(error)))
        return
    lease = leases.Lease(runtime.redis, execution, run_id, token, job.get("delivery", 0))
    lease.hold()
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


def fire_timer(execution: str, run: str, kind: str, ident: str) -> None:
    """Deliver a due timer: a Wait/retry timer, a task timeout, a heartbeat check, a lost lease."""
    runtime = _runtime()
    if kind == "timer":
        runtime.advance(execution, run, TimerFired(ident))
    elif kind == "timeout":
        runtime.advance(execution, run, TaskTimedOut(ident, "timeout"))
    elif kind == "heartbeat":
        token, _, seconds = ident.rpartition("/")
        if leases.heartbeat_due(runtime.redis, execution, run, token, float(seconds)):
            runtime.advance(execution, run, TaskTimedOut(token, "heartbeat"))
    elif kind == "lease":
        token, _, delivery = ident.rpartition("/")
        _lost(runtime, execution, run, token, int(delivery))


def _lost(runtime: Runtime, execution: str, run_id: str, token: str, delivery: int) -> None:
    """A worker died running this attempt: send it again, or fail it with Sfn.WorkerLost."""
    if not awaits(runtime, execution, run_id, token):
        return
    if delivery < leases.max_redeliveries() and leases.redeliver(
        runtime.redis, execution, token, delivery
    ):
        return
    runtime.advance(execution, run_id, TaskFailed(token, leases.WORKER_LOST, leases.lost_cause()))


def awaits(runtime: Runtime, execution: str, run_id: str, token: str) -> bool:
    """Whether the run still waits for the task behind `token` (its result is not committed)."""
    run = runtime.store.run(execution, run_id)
    snapshot = run.snapshot if run is not None else None
    if not snapshot or snapshot.get("status") != "RUNNING":
        return False
    awaited = snapshot.get("awaiting") or {}
    return awaited.get("kind") == "task" and awaited.get("token") == token


def start_child(execution: str, group: str, position: int) -> None:
    groups.start_child(_runtime(), execution, group, position)


def advance_group(execution: str, group: str) -> None:
    groups.advance_group(_runtime(), execution, group)
