"""What a commit writes to schedule a Task attempt: its token and its RQ job (or the claim of
the worker that commits, `eager`); and the job of an attempt sent again after its worker was
lost, or, under a new token, held by an API poller gone silent. (Its TimeoutSeconds and
HeartbeatSeconds are the core's timers: `StartTimer` effects.)

Writers only (`engine.runtime.commit` calls them): each adds commands to the commit's
pipeline and reads nothing back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis
from redis.client import Pipeline

from engine import integrations
from engine.core.effects import RunTask
from engine.runtime import dispatch, eager, groups, tokens
from engine.runtime.config import RuntimeConfig
from engine.runtime.store import ROOT

Json = Any


def schedule(
    pipe: Pipeline,
    client: redis.Redis,
    config: RuntimeConfig,
    execution: str,
    run_id: str,
    task: RunTask,
    chain: eager.Chain | None,
) -> dict[str, Json] | None:
    """Schedule `task` for run `run_id`; return its job if `chain`'s worker claimed it."""
    _await_token(pipe, execution, run_id, task.token)
    job = {
        "execution": execution,
        "run": run_id,
        "token": task.token,
        "resource": task.resource,
        "input": task.input,
        "state": task.state_name,
        "attempt": task.attempt,
        "idempotency_key": task.idempotency_key,
        "timeout_seconds": task.timeout_seconds,
        "heartbeat_seconds": task.heartbeat_seconds,
    }
    # The integration table says which activity runs it (None: an HTTP request or a
    # handler, which any worker on the default queue runs).
    activity = integrations.resolve(task.resource).activity(task.input)
    queue_name = (
        dispatch.DEFAULT_QUEUE if activity is None else dispatch.queue_for(activity, config)
    )
    description = f"{task.resource} ({execution} {task.state_name})"
    claimed = None
    if chain and activity is not None and chain.can_claim(activity, queue_name):
        eager.hold(pipe, client, config, job, queue_name, description)
        claimed = job
    else:
        _enqueue(pipe, client, config, job, queue_name, description)
    return claimed


def send_again(
    pipe: Pipeline,
    client: redis.Redis,
    config: RuntimeConfig,
    job: Mapping[str, Json],
    delivery: int,
    queue_name: str,
    description: str,
    *,
    new_token: bool = False,
) -> None:
    """Enqueue delivery `delivery` of a lost attempt `job`: under its token, or under the
    attempt's `new_token` (`job["token"]`, a silent API poller's attempt handed over; the same
    commit forgets the old token, no longer awaited)."""
    if new_token:
        _await_token(pipe, job["execution"], job["run"], job["token"])
    _enqueue(pipe, client, config, {**job, "delivery": delivery}, queue_name, description)


def _await_token(pipe: Pipeline, execution: str, run_id: str, token: str) -> None:
    """The run awaits `token`: indexed for send-task-*, and listed among what the execution
    holds (a child run's; the root's token is in its record, which its end reads)."""
    dispatch.remember_token(pipe, token, execution, run_id)
    if run_id != ROOT:
        groups.track_token(pipe, execution, token, run_id)


def _enqueue(
    pipe: Pipeline,
    client: redis.Redis,
    config: RuntimeConfig,
    job: dict[str, Json],
    queue_name: str,
    description: str,
) -> None:
    """The attempt's RQ job, whose id is its token (and delivery, once sent again)."""
    dispatch.enqueue(
        pipe,
        client,
        config,
        "run_task",
        job,
        queue_name=queue_name,
        job_id=tokens.job_id(job["token"], job.get("delivery", 0)),
        description=description,
        timeout=config.kill_after(job.get("timeout_seconds")),
    )
