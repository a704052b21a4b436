"""RQ dispatch: the jobs a step creates, written into the step's own transaction.

Jobs are serialized with RQ's JSONSerializer (never pickle) and name their function by its
import path. A Task job's id is its task token. Timers live in one sorted set (`keys.TIMERS`)
that every worker polls; see `engine.runtime.timers`.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any

import redis
from redis.client import Pipeline
from rq import Queue
from rq.serializers import JSONSerializer

from engine.activities import strip_integration_suffix
from engine.runtime import allowlist, keys, tokens
from engine.runtime.config import RuntimeConfig
from engine.runtime.timer_entries import JobWatch, encode

# The internal queue: joins and redeliveries of bookkeeping jobs, which any worker can run.
DEFAULT_QUEUE = "sfn"
# Unrouted Task jobs wait on their activity's own queue, so only a worker that loaded the
# activity ever takes them (one Redis can serve workers with different activity sets).
ACTIVITY_QUEUE_PREFIX = "sfn.activity."
# Failed RQ jobs are kept a day for inspection; sfn itself never reads them.
FAILURE_TTL = 24 * 3600
# A finished job (its work is committed by then; sfn never reads its result) expires after this.
# Not 0: RQ deletes a job kept 0 s at once, looking up its status and executions one by one
# (9 round trips more per job than an expiry, which is one command in its own transaction).
RESULT_TTL = 1
TOKEN_TTL = 366 * 24 * 3600


def queue(client: redis.Redis, name: str = DEFAULT_QUEUE) -> Queue:
    return Queue(name, connection=client, serializer=JSONSerializer)


def activity_queue(name: str) -> str:
    """The queue of an unrouted activity's tasks: `sfn.activity.<name>`."""
    return f"{ACTIVITY_QUEUE_PREFIX}{name}"


def queue_for(resource: str, config: RuntimeConfig) -> str:
    """The queue an activity's jobs go to: its route in `config.activity_queues` (the process's
    `@activity(queue=)` routes over $SFN_ACTIVITY_QUEUES, `RuntimeConfig.with_routes`), else
    the activity's own queue (`activity_queue`)."""
    name = strip_integration_suffix(resource)
    return config.activity_queues.get(name) or activity_queue(name)


def enqueue(
    pipe: Pipeline,
    client: redis.Redis,
    config: RuntimeConfig,
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
    job_id = job_id or secrets.token_hex(16)
    watch = encode(JobWatch(kwargs["execution"], queue_name, job_id))
    pipe.zadd(keys.TIMERS, {watch: watch_due(config.lease_seconds)})
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


def add_timer(pipe: Pipeline, member: str, at: datetime) -> None:
    pipe.zadd(keys.TIMERS, {member: at.timestamp()})


def wake_pollers(pipe: Pipeline | redis.Redis) -> None:
    """A timer this commit starts falls due before the next poll (or a poller stops): the
    pollers waiting between polls (`timers.TimerPoller`) poll at once, instead of up to a poll
    interval later."""
    pipe.publish(keys.TIMERS_DUE, 1)


def remember_token(pipe: Pipeline, token: str, execution: str, run_id: str) -> None:
    """Index a task token so `send-task-*` can find the run awaiting it."""
    pipe.set(keys.token(token), tokens.awaiting_record(execution, run_id), ex=TOKEN_TTL)


def watch_due(lease_seconds: float) -> float:
    """When a watch written now falls due: one lease from now."""
    return time.time() + lease_seconds
