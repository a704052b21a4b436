"""RQ dispatch: the jobs a step creates, written into the step's own transaction.

Jobs are serialized with RQ's JSONSerializer (never pickle) and name their function by its
import path. A Task job's id is its task token. Timers live in one sorted set (`keys.TIMERS`)
that every worker polls; see `engine.runtime.timers`.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime
from typing import Any

import redis
from redis.client import Pipeline
from rq import Queue
from rq.serializers import JSONSerializer

from engine.runtime import allowlist, keys

# The internal queue: joins and redeliveries of bookkeeping jobs, which any worker can run.
DEFAULT_QUEUE = "sfn"
# Unrouted Task jobs wait on their activity's own queue, so only a worker that loaded the
# activity ever takes them (one Redis can serve workers with different activity sets).
ACTIVITY_QUEUE_PREFIX = "sfn.activity."
ENV_QUEUES = "SFN_ACTIVITY_QUEUES"
# Failed RQ jobs are kept a day for inspection; sfn itself never reads them.
FAILURE_TTL = 24 * 3600
# A finished job (its work is committed by then; sfn never reads its result) expires after this.
# Not 0: RQ deletes a job kept 0 s at once, looking up its status and executions one by one
# (9 round trips more per job than an expiry, which is one command in its own transaction).
RESULT_TTL = 1
TOKEN_TTL = 366 * 24 * 3600
ENV_KILL_GRACE = "SFN_KILL_GRACE_SECONDS"


def kill_after(timeout_seconds: int | None) -> int:
    """RQ's timeout for a Task attempt: a while after its TimeoutSeconds (the state has failed
    with States.Timeout by then), so a hung activity does not hold a worker forever."""
    if not timeout_seconds:
        return -1
    return int(timeout_seconds + float(os.environ.get(ENV_KILL_GRACE) or 10))


def queue(client: redis.Redis, name: str = DEFAULT_QUEUE) -> Queue:
    return Queue(name, connection=client, serializer=JSONSerializer)


def activity_queue(name: str) -> str:
    """The queue of an unrouted activity's tasks: `sfn.activity.<name>`."""
    return f"{ACTIVITY_QUEUE_PREFIX}{name}"


def queue_for(resource: str) -> str:
    """The queue an activity's jobs go to: `@activity(queue=)`, $SFN_ACTIVITY_QUEUES, or the
    activity's own queue (`activity_queue`).

    $SFN_ACTIVITY_QUEUES maps activities to queues: "resize=gpu,charge=payments".
    """
    from engine import activities

    name = activities.strip_integration_suffix(resource)
    entry = activities.default_registry.get(name)
    if entry is not None and entry.queue:
        return entry.queue
    for pair in os.environ.get(ENV_QUEUES, "").split(","):
        activity, _, target = pair.partition("=")
        if activity.strip() == name and target.strip():
            return target.strip()
    return activity_queue(name)


def enqueue(
    pipe: Pipeline,
    client: redis.Redis,
    function: str,
    kwargs: dict[str, Any],
    *,
    queue_name: str = DEFAULT_QUEUE,
    job_id: str | None = None,
    description: str | None = None,
    timeout: int = -1,
) -> None:
    """Add a job to `pipe` (already in MULTI): it exists only if the transaction commits.

    `timeout` is RQ's: past it RQ stops the job (-1: never).

    A watch goes with it (`engine.runtime.watchdog`), so a job whose worker dies is not lost."""
    from engine.runtime import watchdog

    job_id = job_id or secrets.token_hex(16)
    watch = watchdog.member(kwargs["execution"], queue_name, job_id)
    pipe.zadd(keys.TIMERS, {watch: watchdog.due()})
    queue(client, queue_name).enqueue_call(
        allowlist.job_path(function),
        kwargs=kwargs,
        job_id=job_id,
        timeout=timeout,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        description=description or function,
        pipeline=pipe,
    )


def timer_member(kind: str, execution: str, run_id: str, ident: str) -> str:
    """A timer's member in the sorted set: what to deliver, to which run."""
    return json.dumps({"k": kind, "e": execution, "r": run_id, "id": ident}, sort_keys=True)


def add_timer(pipe: Pipeline, member: str, at: datetime) -> None:
    pipe.zadd(keys.TIMERS, {member: at.timestamp()})


def remember_token(pipe: Pipeline, token: str, execution: str, run_id: str) -> None:
    """Index a task token so `send-task-*` can find the run awaiting it."""
    pipe.set(keys.token(token), f"{execution}\n{run_id}", ex=TOKEN_TTL)
