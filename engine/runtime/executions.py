"""An execution's own records: what a commit writes when it opens, ends or reopens one.

Writers only (`engine.runtime.commit` calls them): each adds commands to the commit's
pipeline and reads nothing back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import redis
from redis.client import Pipeline

from engine.core.context import iso
from engine.core.effects import Finish
from engine.runtime import counters, dispatch, groups, keys, retention
from engine.runtime.config import RuntimeConfig
from engine.runtime.store import RUNNING, state_machine_of

Json = Any
# Nested executions whose end their parent's Task waits for (states:startExecution.sync[:2]).
NOTIFIED_PATTERNS = (".sync", ".sync:2")
# The `meta` field counting the deliveries sent again (`sfn executions describe` shows it).
REDELIVERY_COUNT = "redeliveryCount"


def open_execution(pipe: Pipeline, execution: str, meta: dict[str, str]) -> None:
    """Its description, its place in the listings and counters, its definition version's use."""
    started = float(meta["startEpoch"])
    pipe.hset(keys.meta(execution), mapping=meta)
    pipe.zadd(keys.EXECUTIONS, {execution: started})
    pipe.zadd(keys.by_state_machine(meta["stateMachineName"]), {execution: started})
    pipe.sadd(keys.STATE_MACHINES, meta["stateMachineName"])
    pipe.zadd(keys.by_status(RUNNING), {execution: started})
    counters.started(pipe, meta["stateMachineName"])
    versions, digest = keys.versions(meta["stateMachineName"]), meta["definition"]
    pipe.hincrby(versions, f"{digest}:count", 1)
    pipe.hsetnx(versions, f"{digest}:first", meta["startEpoch"])
    pipe.hset(versions, f"{digest}:last", meta["startEpoch"])
    parent = meta.get("parentExecution")
    if parent:  # the UI lists a parent's nested executions
        pipe.sadd(keys.children(parent), execution)


def finish(
    pipe: Pipeline,
    client: redis.Redis,
    config: RuntimeConfig,
    execution: str,
    meta: dict[str, str],
    live: dict[str, str],
    end: Finish,
    now: datetime,
) -> None:
    """The root run ended: the execution's status and output, its indexes, what it still held
    (`live`: open groups, awaited tokens) swept, its retention; a waiting parent is told."""
    fields = {"status": end.status, "stopDate": iso(now)}
    if end.status == "SUCCEEDED":
        fields["output"] = end.output_text()  # as the history printed it
    if end.error is not None:
        fields["error"] = end.error
    if end.cause is not None:
        fields["cause"] = end.cause
    pipe.hset(keys.meta(execution), mapping=fields)
    started = float(meta["startEpoch"])
    pipe.zrem(keys.by_status(RUNNING), execution)
    pipe.zadd(keys.by_status(end.status), {execution: started})
    pipe.zadd(keys.STOPPED, {execution: now.timestamp()})
    pipe.rpush(keys.done(execution), end.status)
    counters.finished(pipe, state_machine_of(execution), end.status)
    # The execution keeps its meta, history and root run (for redrive); the rest goes.
    if end.status != "SUCCEEDED":
        groups.keep_for_redrive(pipe, execution, live)
    groups.sweep(pipe, execution, live)
    retention.on_finish(pipe, execution, live, now, config.retention_days)
    if meta.get("parentPattern") in NOTIFIED_PATTERNS:
        # A nested execution the parent's Task waits for (.sync): tell it, in this commit.
        dispatch.enqueue(pipe, client, config, "notify_parent", {"execution": execution})


def reopen(pipe: Pipeline, execution: str, meta: dict[str, str], now: datetime) -> None:
    """A redrive: the execution runs again (its end's fields go, its redrive is counted)."""
    count = int(meta.get("redriveCount", "0")) + 1
    pipe.hset(
        keys.meta(execution),
        mapping={"status": RUNNING, "redriveCount": count, "redriveDate": iso(now)},
    )
    pipe.hdel(keys.meta(execution), "stopDate", "output", "error", "cause")
    pipe.zrem(keys.by_status(meta["status"]), execution)
    pipe.zadd(keys.by_status(RUNNING), {execution: float(meta["startEpoch"])})
    pipe.zrem(keys.STOPPED, execution)
    pipe.unlink(keys.done(execution), keys.redrive_results(execution))


def count_redelivery(pipe: Pipeline, execution: str, now: datetime) -> None:
    """A lost Task attempt is sent again: counted, and listed on the workers page."""
    pipe.hincrby(keys.meta(execution), REDELIVERY_COUNT, 1)
    pipe.zadd(keys.REDELIVERED, {execution: now.timestamp()})
