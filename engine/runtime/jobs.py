"""The functions RQ workers run: activities and joins (which also start children).

Every job ends by advancing a run and committing (no extra hop). Jobs are idempotent: a result,
timer or join for something no longer awaited is a stale trigger that commits nothing. A Task
whose result commit schedules the run's next Task may claim it (`engine.runtime.eager`): the
worker then runs it with `run_claimed` once the RQ job ends.

RQ calls a job function by its name, so the worker cannot hand it arguments of its own: the
worker `host`s, for the jobs of its process, the activities it runs.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rq import get_current_job

from engine import activities, integrations
from engine.core.triggers import TaskFailed, TaskHeartbeat, TaskSucceeded
from engine.errors import UnhandledResource, UnknownResource
from engine.runtime import config as settings
from engine.runtime import eager, job_start, keys, leases, nested, watchdog
from engine.runtime import runtime as runs
from engine.runtime.requests import HeartbeatRequest, TaskResultRequest
from engine.runtime.runtime import Runtime
from engine.runtime.store import Reads
from engine.runtime.timer_entries import JobWatch, encode

Json = Any
CALLBACK_SUFFIX = ".waitForTaskToken"
# The error a task fails with when the worker that took it lacks its activity. Unrouted tasks
# wait on their activity's own queue, so this happens only on a misroute: a worker given
# `--queue X` (or an $SFN_ACTIVITY_QUEUES route to X) without loading an activity routed to X.
UNKNOWN_ACTIVITY = "Sfn.UnknownActivity"


_hosted = activities.Registry()  # what this process's jobs run: their worker's registry
# Each thread's last Runtime and what it was built from: a worker's jobs share one.
_local = threading.local()


def host(registry: activities.Registry) -> None:
    """Run this process's jobs with the activities of `registry` (`make_worker` calls it)."""
    global _hosted
    _hosted = registry


def _runtime() -> Runtime:
    """A Runtime on the job's connection with the process's settings and the `@activity(queue=)`
    routes of the hosted activities: the thread's last one while none of these changed, so a
    worker's jobs share one (a Runtime holds its connection, settings and caches, no job's
    state)."""
    client, config, routes = get_current_job().connection, settings.current(), _hosted.routes()
    last: _Built | None = getattr(_local, "built", None)
    if last is None or not last.fits(client, config, routes):
        last = _Built(client, config, routes, Runtime(client, config=config.with_routes(routes)))
        _local.built = last
    return last.runtime


@dataclass(frozen=True)
class _Built:
    """A thread's last Runtime and what it was built from."""

    client: Any
    config: settings.RuntimeConfig
    routes: dict[str, str]
    runtime: Runtime

    def fits(self, client: Any, config: settings.RuntimeConfig, routes: dict[str, str]) -> bool:
        return self.client is client and self.config is config and self.routes == routes


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
        heartbeat=(lambda: _beat(runtime, job)) if job.get("heartbeat_seconds") else _no_beat,
    )


def _beat(runtime: Runtime, job: dict[str, Any], reads: Reads | None = None) -> None:
    """A heartbeat of the Task attempt `job`: the core moves its HeartbeatSeconds timer."""
    heartbeat = TaskHeartbeat(job["token"])
    runtime.advance(HeartbeatRequest(job["execution"], job["run"], heartbeat, reads))


def _no_beat() -> None:
    """A heartbeat of a Task without HeartbeatSeconds: it has no clock to move on."""


def watched(function: Callable[..., None]) -> Callable[..., None]:
    """A job that, once it ends without an exception, ends the watch enqueued with it."""

    @functools.wraps(function)
    def job(**kwargs: Any) -> None:
        function(**kwargs)
        current = get_current_job()
        watchdog.release(current.connection, kwargs["execution"], current.origin, current.id)

    return job


def run_task(**job: Any) -> None:
    """Run one Task attempt and commit its result (callback tasks wait for send-task-*).

    Its lease and its job watch end in the transaction that commits the result."""
    current = get_current_job()
    runtime = _runtime()
    execution, run_id, token = job["execution"], job["run"], job["token"]
    watch = encode(JobWatch(execution, current.origin, current.id))
    try:
        entry = _runner(runtime, job)
    except (UnknownResource, UnhandledResource) as error:
        failed = TaskFailed(token, UNKNOWN_ACTIVITY, str(error))
        _commit(runtime, TaskResultRequest(execution, run_id, failed, (watch,)))
        return
    delivery, seconds = job.get("delivery", 0), runtime.config.lease_seconds
    lease = leases.Lease(runtime.redis, execution, run_id, token, delivery, seconds=seconds)
    reads = _start(runtime, lease, job)
    held = (lease.member, watch)
    if reads is None:
        _end(runtime, held)  # a duplicate, or timed out / stopped while queued
        return
    _attempt(runtime, entry, job, lease, held, eager.current(), reads)


def run_claimed(runtime: Runtime, job: dict[str, Any], reads: Reads, chain: eager.Chain) -> None:
    """Run a Task attempt this worker claimed in its last commit, which also took its lease
    (a worker claims only Tasks whose activity it has), and commit the result on `reads`,
    what that commit wrote. The claimed payload goes with the token when the result is
    committed (`groups.forget_token`)."""
    entry = _runner(runtime, job)
    seconds = runtime.config.lease_seconds
    lease = leases.Lease(runtime.redis, job["execution"], job["run"], job["token"], seconds=seconds)
    _attempt(runtime, entry, job, lease, (lease.member,), chain, reads)


def _runner(runtime: Runtime, job: dict[str, Any]) -> Callable[..., Json]:
    """What runs the Task: the integration table's pick for its resource, with the activities
    and handlers the worker hosts."""
    children = nested.DurableChildren(runtime)
    return integrations.runner(
        job["resource"],
        job["input"],
        _hosted,
        children,
        settings=runtime.config,
    )


def _attempt(
    runtime: Runtime,
    entry: Callable[..., Json],
    job: dict[str, Any],
    lease: leases.Lease,
    held: tuple[str, ...],
    chain: eager.Chain | None,
    reads: Reads,
) -> None:
    """Run the activity under `lease` and commit its result, which ends what the attempt
    `held` (its lease, its job watch); a callback task's result comes later, so it only ends
    them."""
    lease.keep()
    if job.get("heartbeat_seconds"):
        _beat(runtime, job, reads)  # the attempt starts: so does its heartbeat clock
    try:
        began = time.monotonic()
        result = _perform(runtime, entry, job)
        if result is None:
            _end(runtime, held)
        else:
            seconds = time.monotonic() - began
            execution, run_id = job["execution"], job["run"]
            request = TaskResultRequest(execution, run_id, result, held, seconds, chain, reads)
            _commit(runtime, request)
    finally:
        lease.stop_renewing()


def _start(runtime: Runtime, lease: leases.Lease, job: dict[str, Any]) -> Reads | None:
    """The run's reads if the attempt is still awaited, with its lease taken in the same
    round trip (a lease taken for an attempt not awaited is harmless, and is ended at once),
    and the worker's record of the job's start (`job_start`)."""

    def also(pipe: Any) -> None:
        lease.take(pipe)
        job_start.send(pipe)

    return runtime.task_reads(job["execution"], job["run"], job["token"], also=also)


def _perform(
    runtime: Runtime, entry: Callable[..., Json], job: dict[str, Any]
) -> TaskSucceeded | TaskFailed | None:
    """Run the activity: its result or failure, or None for a callback task (its result comes
    with send-task-*)."""
    try:
        output = entry(job["input"], _context(runtime, job))
    except integrations.TaskFailure as failure:
        return TaskFailed(job["token"], failure.error, failure.cause)
    except Exception as error:
        return TaskFailed(job["token"], *activities.error_from_exception(error))
    if output is integrations.LATER or job["resource"].endswith(CALLBACK_SUFFIX):
        return None
    return TaskSucceeded(job["token"], output)


def _commit(runtime: Runtime, request: TaskResultRequest) -> None:
    """Commit a Task's result, then act on what happened: a stale result (nothing written)
    still ends what the attempt held; a Task the commit claimed is this worker's next."""
    result = runtime.advance(request)
    if not result.committed:
        _end(runtime, request.held)
    elif result.claimed is not None and request.chain is not None:
        request.chain.claim(result.claimed.job, result.claimed.reads)


def _end(runtime: Runtime, held: tuple[str, ...]) -> None:
    """End what an attempt held (its lease, its job watch) in a trip of its own."""
    runtime.redis.zrem(keys.TIMERS, *held)


@watched
def notify_parent(execution: str) -> None:
    """Report an ended nested execution to its parent's Task (`engine.runtime.nested`)."""
    nested.notify_parent(_runtime(), execution)


@watched
def stop_children(execution: str) -> None:
    """Stop the nested executions a stopped execution's Tasks waited for (`nested`)."""
    nested.stop_children(_runtime(), execution)


@watched
def advance_group(execution: str, group: str) -> None:
    runs.advance_group(_runtime(), execution, group)
