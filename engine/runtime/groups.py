"""Parallel branches and Map iterations as child runs, joined atomically into their parent.

A `StartChildren` effect opens a *group*: a join record (total, started, delivered), the
children's inputs, and a first `advance_group` job. Each child runs with its own snapshot; its
final commit records its result and enqueues `advance_group` in the same transaction. That job
starts more children itself (never more than MaxConcurrency running; each start is a commit
that creates the child and counts it) or, once the outcome is known,
delivers `ChildrenDone` / `ChildFailed` to the parent in the commit that marks the group
delivered — so the parent hears exactly once, whichever child finishes last.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

import redis
from redis.client import Pipeline

from engine.core.effects import Finish, StartChildren
from engine.core.triggers import ChildFailed, ChildrenDone, Start
from engine.runtime import dispatch, keys
from engine.runtime.store import RUNNING, Run, dumps

if TYPE_CHECKING:
    from engine.runtime.commit import Runtime

Json = Any


def open_group(
    pipe: Pipeline, client: redis.Redis, execution: str, parent: str, effect: StartChildren
) -> str:
    """Write a new group for `effect` into the parent's commit; return its id."""
    group_id = secrets.token_hex(6)
    record = {
        "parent": parent,
        "state": effect.state_name,
        "total": len(effect.children),
        "maxConcurrency": effect.max_concurrency or 0,
        "toleratedCount": effect.tolerated_failure_count or 0,
        "toleratedPercentage": effect.tolerated_failure_percentage or 0.0,
        "started": 0,
        "delivered": 0,
    }
    pipe.hset(keys.group(execution, group_id), mapping=record)
    specs = {
        str(position): dumps(
            {
                "index": child.index,
                "machinePath": list(child.machine_path),
                "input": child.input,
                "context": child.context,
            }
        )
        for position, child in enumerate(effect.children)
    }
    if specs:
        pipe.hset(keys.group_specs(execution, group_id), mapping=specs)
    _enqueue_advance(pipe, client, execution, group_id)
    return group_id


def child_finished(
    pipe: Pipeline, client: redis.Redis, execution: str, run: Run, end: Finish
) -> None:
    """Record a child's end in its own final commit, and wake the group."""
    assert run.group is not None
    if end.status == "SUCCEEDED":
        pipe.hset(keys.group_results(execution, run.group), str(run.index), dumps(end.output))
    else:
        failure = {"error": end.error, "cause": end.cause}
        pipe.hset(keys.group_failures(execution, run.group), str(run.index), dumps(failure))
    _enqueue_advance(pipe, client, execution, run.group)


def _enqueue_advance(pipe: Pipeline, client: redis.Redis, execution: str, group_id: str) -> None:
    dispatch.enqueue(
        pipe,
        client,
        "advance_group",
        {"execution": execution, "group": group_id},
        description=f"join {execution} {group_id}",
    )


def tolerance_exceeded(failed: int, total: int, count: int, percentage: float) -> bool:
    """Whether `failed` children exceed the tolerance (none tolerated when both are 0)."""
    if count == 0 and percentage == 0:
        return failed > 0
    over_count = count > 0 and failed > count
    over_percentage = percentage > 0 and failed * 100 > percentage * total
    return over_count or over_percentage


def advance_group(runtime: Runtime, execution: str, group_id: str) -> None:
    """Deliver the group's outcome to its parent, or start more children (idempotent).

    Delivery is exactly-once by the commit that sets `delivered`; starts by `count_start`."""
    client = runtime.redis
    record = _record(client, execution, group_id)
    if not record or record["delivered"] == "1":
        return
    if client.hget(keys.meta(execution), "status") != RUNNING.encode():
        return
    outcome = _outcome(client, execution, group_id, record)
    if outcome is not None:
        runtime.advance(execution, record["parent"], outcome, deliver_group=group_id)
    else:
        start_more(runtime, execution, group_id)


def _record(client: redis.Redis, execution: str, group_id: str) -> dict[str, str]:
    raw = client.hgetall(keys.group(execution, group_id))
    return {key.decode(): value.decode() for key, value in raw.items()}


def _outcome(
    client: redis.Redis, execution: str, group_id: str, record: dict[str, str]
) -> ChildrenDone | ChildFailed | None:
    total = int(record["total"])
    failed = int(client.hlen(keys.group_failures(execution, group_id)))
    count, percentage = int(record["toleratedCount"]), float(record["toleratedPercentage"])
    if tolerance_exceeded(failed, total, count, percentage):
        failures = _load(client.hgetall(keys.group_failures(execution, group_id)))
        index = min(failures)
        return ChildFailed(index, failures[index]["error"], failures[index]["cause"])
    succeeded = int(client.hlen(keys.group_results(execution, group_id)))
    if succeeded + failed < total:
        return None
    results = _load(client.hgetall(keys.group_results(execution, group_id)))
    for index, failure in _load(client.hgetall(keys.group_failures(execution, group_id))).items():
        results[index] = {"Error": failure["error"], "Cause": failure["cause"]}
    return ChildrenDone([results[index] for index in sorted(results)])


def _load(raw: dict[bytes, bytes]) -> dict[int, Json]:
    return {int(key): json.loads(value) for key, value in raw.items()}


def start_more(runtime: Runtime, execution: str, group_id: str) -> None:
    """Start children, in index order, while MaxConcurrency leaves room.

    Each start is its own commit that creates the child and counts it in the group (WATCHing
    the group), so two joins racing for the same child start it once. A join that dies here
    is delivered again by its job watch and carries on where the counts say."""
    client = runtime.redis
    while True:
        record = _record(client, execution, group_id)
        if not record or record["delivered"] == "1":
            return
        if client.hget(keys.meta(execution), "status") != RUNNING.encode():
            return
        total, started = int(record["total"]), int(record["started"])
        finished = int(client.hlen(keys.group_results(execution, group_id))) + int(
            client.hlen(keys.group_failures(execution, group_id))
        )
        limit = int(record["maxConcurrency"])
        if started >= total or (limit and started - finished >= limit):
            return
        _start_child(runtime, execution, group_id, started)


def _start_child(runtime: Runtime, execution: str, group_id: str, position: int) -> None:
    """Start the child at `position` from its stored spec (a no-op if it already started)."""
    raw = runtime.redis.hget(keys.group_specs(execution, group_id), str(position))
    spec = json.loads(raw)
    run_id = f"{group_id}.{spec['index']}"
    run = Run(run_id, tuple(spec["machinePath"]), group_id, spec["index"], None)
    start = Start(spec["input"], spec["context"])
    runtime.advance(execution, run_id, start, create=run, count_start=group_id)
