"""Lost workers: an attempt whose worker died is sent again, or fails with `Sfn.WorkerLost`.

A lease (`engine.runtime.leases`) or a job watch (`engine.runtime.watchdog`) that falls due
hands the attempt here: if it is still awaited, it is enqueued again (job `<ref>-<n>`, same
idempotency key) up to `RuntimeConfig.lost_task_redeliveries` times, then fails with
`Sfn.WorkerLost`, which Retry and Catch match like any task error. Each delivery sent again is
a Started event in the history and counts in the execution's `redeliveryCount`. An API poller
that goes silent is lost the same way, but under a new token (`silent_poller`).
"""

from __future__ import annotations

import json
from typing import Any

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from engine.core import task_timers
from engine.core.effects import TimerKind
from engine.core.triggers import TaskFailed, TaskRedelivered
from engine.runtime import keys
from engine.runtime.requests import RedeliveryRequest, TaskResultRequest
from engine.runtime.runtime import Runtime
from engine.runtime.store import Run
from engine.runtime.tokens import job_id

WORKER_LOST = "Sfn.WorkerLost"


def lost_cause(lease_seconds: float) -> str:
    return (
        "the worker running this task stopped renewing its lease "
        f"for {lease_seconds:g} s (killed or disconnected)"
    )


def lost(runtime: Runtime, execution: str, run_id: str, token: str, delivery: int) -> None:
    """A worker died running this attempt: send it again, or fail it with Sfn.WorkerLost."""
    if not runtime.awaits_task(execution, run_id, token):
        return
    config = runtime.config
    if delivery < config.lost_task_redeliveries and redeliver(
        runtime, execution, run_id, token, delivery
    ):
        return
    cause = lost_cause(config.lease_seconds)
    runtime.advance(TaskResultRequest(execution, run_id, TaskFailed(token, WORKER_LOST, cause)))


def silent_poller(runtime: Runtime, execution: str, run_id: str, timer_id: str) -> bool:
    """The attempt's HeartbeatSeconds (or, with none, TimeoutSeconds) timer `timer_id` lapsed:
    if an API poller holds the attempt, hand it to the next poller or worker under a new token,
    up to `lost_task_redeliveries` deliveries, and return True. False when the timer fails it
    as on AWS: no poller holds it, the deliveries are spent, or a beating poller passed
    TimeoutSeconds (it is alive), or the timer is stale.

    The silent poller's token is no longer awaited from that commit on, so its late answer
    is refused (TaskTimedOut) rather than counted beside the next poller's."""
    run = Run.load(run_id, runtime.redis.get(keys.run(execution, run_id)))
    snapshot = (run.snapshot if run else None) or {}
    kind = task_timers.clock(snapshot, timer_id) if snapshot else None
    awaited = snapshot.get("awaiting") or {}
    if kind is None or (kind == TimerKind.TASK_TIMEOUT and awaited.get("heartbeat")):
        return False
    token = awaited["token"]
    raw = runtime.redis.get(keys.claimed_task(execution, token))
    record = json.loads(raw) if raw is not None else {}
    delivery = awaited.get("deliveries", 0)
    if not record.get("polled") or delivery >= runtime.config.lost_task_redeliveries:
        return False
    trigger = TaskRedelivered(token, delivery + 1, runtime.env.token())
    job, queue_name, description = record["job"], record["queue"], record["description"]
    runtime.advance(RedeliveryRequest(execution, run_id, trigger, job, queue_name, description))
    return True  # or the attempt ended meanwhile: then there is nothing left to time out


def redeliver(runtime: Runtime, execution: str, run_id: str, token: str, delivery: int) -> bool:
    """Enqueue the next delivery of a lost attempt, once (False if there is nothing to resend).

    The delivery is a step of the run (`TaskRedelivered`: a Started event in the history, the
    awaited record counting deliveries), committed with its job and the execution's
    `redeliveryCount`: a delivery already sent, by this poller or another, is a stale step
    that enqueues nothing."""
    found = _delivered(runtime.redis, execution, token, delivery)
    if found is None:
        return False
    payload, queue_name, description = found
    trigger = TaskRedelivered(token, delivery + 1)
    runtime.advance(RedeliveryRequest(execution, run_id, trigger, payload, queue_name, description))
    return True


def _delivered(
    client: redis.Redis, execution: str, token: str, delivery: int
) -> tuple[dict[str, Any], str, str] | None:
    """A delivery's job payload, queue and description: from its RQ job, or, for an attempt a
    worker claimed to run itself (`engine.runtime.eager`), from the claiming commit's record."""
    try:
        job = Job.fetch(job_id(token, delivery), connection=client, serializer=JSONSerializer)
        return job.kwargs, job.origin, job.description
    except NoSuchJobError:
        pass
    raw = client.get(keys.claimed_task(execution, token)) if delivery == 0 else None
    if raw is None:
        return None
    record = json.loads(raw)
    return record["job"], record["queue"], record["description"]
