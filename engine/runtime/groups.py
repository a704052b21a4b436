"""Parallel branches and Map iterations as child runs, joined atomically into their parent.

A `StartChildren` effect opens a *group* in the parent's commit: a join record (total, started,
finished, failed, delivered), the children's inputs, and one `advance_group` job. A join
(`advance_group`) starts children in batches: one guarded commit creates up to `BATCH` of them
(the free MaxConcurrency slots), running each one's first step in memory, so a child whose
first step ends it (a Pass iterator) ends inside that same commit; the commit counts `started`
and is guarded by it, so two racing joins start each child once. A child's final commit stores
its result and counts it (`finished`); the committing process learns the count from the reply
and joins inline only when that end completes the group or frees a slot. Once the outcome is
known, the join delivers `ChildrenDone` / `ChildFailed` to the parent in the commit that closes
the group (its records and its children's run records go; DISTRIBUTED run histories stay), so
the parent hears exactly once. Crash safety: every commit that ends or starts children pushes
the group's join timer to now + SFN_LEASE_SECONDS; the delivering commit removes it.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis
from redis.client import Pipeline

from engine.core.effects import Finish, StartChildren
from engine.core.triggers import ChildFailed, ChildrenDone, Start
from engine.runtime import dispatch, keys, leases
from engine.runtime.guarded import GuardedWrite
from engine.runtime.store import ROOT, RUNNING, STEP_FIELDS, Run, child_run_id, dumps

if TYPE_CHECKING:
    from engine.runtime.commit import Runtime

Json = Any
BATCH = 100  # children started per commit at most
LIVE_REVISION = "rev"
ROOT_GROUP = "root"


@dataclass(frozen=True)
class Finished:
    """A child end recorded in a commit, and where its counts are among the replies."""

    group: str
    record: dict[str, str]
    finished_reply: tuple[str, str]
    failed_reply: tuple[str, str]


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
        "finished": 0,
        "failed": 0,
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
    pipe.hset(keys.live(execution), f"g:{group_id}", len(effect.children))
    if parent == ROOT:
        pipe.hset(keys.live(execution), ROOT_GROUP, group_id)
    pipe.hincrby(keys.live(execution), LIVE_REVISION, 1)
    dispatch.enqueue(
        pipe,
        client,
        "advance_group",
        {"execution": execution, "group": group_id},
        description=f"join {execution} {group_id}",
    )
    return group_id


def child_finished(
    write: GuardedWrite, execution: str, run: Run, end: Finish, record: dict[str, str]
) -> Finished:
    """Record a child's end in its own final commit, count it, and push the join timer."""
    assert run.group is not None
    if end.status == "SUCCEEDED":
        write.put(keys.group_results(execution, run.group), str(run.index), dumps(end.output))
    else:
        failure = {"error": end.error, "cause": end.cause}
        write.put(keys.group_failures(execution, run.group), str(run.index), dumps(failure))
    group_key = keys.group(execution, run.group)
    finished_reply = write.add(group_key, "finished", 1)
    failed_reply = write.add(group_key, "failed", int(end.status != "SUCCEEDED"))
    push_join_timer(write, execution, run.group)
    return Finished(run.group, record, finished_reply, failed_reply)


def push_join_timer(write: GuardedWrite, execution: str, group_id: str) -> None:
    """Due one lease from now (once per commit): fires a join if this process dies first."""
    if write.first(("join", group_id)):
        due = time.time() + leases.lease_seconds()
        write.pipe.zadd(keys.TIMERS, {join_member(execution, group_id): due})


def join_member(execution: str, group_id: str, recheck: str = "") -> str:
    return dispatch.timer_member("join", execution, group_id, recheck)


def after_finish(
    runtime: Runtime, execution: str, finished: Finished, replies: dict[Any, Any]
) -> None:
    """After a child's final commit: join when that end completes the group, exceeds its
    tolerance or frees a MaxConcurrency slot; otherwise nothing is left to do."""
    record = finished.record
    done, failed = int(replies[finished.finished_reply]), int(replies[finished.failed_reply])
    total, limit = int(record["total"]), int(record["maxConcurrency"])
    if (
        done >= total
        or _exceeded(failed, record)
        or (limit and int(record.get("started", total)) < total)
    ):
        advance_group(runtime, execution, finished.group)


def join_due(runtime: Runtime, execution: str, group_id: str, recheck: str) -> None:
    """A join timer fell due (the process that should have joined may have died): join.

    The poller removes the member after this returns, even if a child's commit pushed it
    meanwhile; a one-off recheck member a lease later covers such a commit."""
    advance_group(runtime, execution, group_id)
    if not recheck and runtime.redis.exists(keys.group(execution, group_id)):
        member = join_member(execution, group_id, secrets.token_hex(4))
        runtime.redis.zadd(keys.TIMERS, {member: time.time() + leases.lease_seconds()})


def tolerance_exceeded(failed: int, total: int, count: int, percentage: float) -> bool:
    """Whether `failed` children exceed the tolerance (none tolerated when both are 0)."""
    if count == 0 and percentage == 0:
        return failed > 0
    over_count = count > 0 and failed > count
    over_percentage = percentage > 0 and failed * 100 > percentage * total
    return over_count or over_percentage


def _exceeded(failed: int, record: dict[str, str]) -> bool:
    count, percentage = int(record["toleratedCount"]), float(record["toleratedPercentage"])
    return tolerance_exceeded(failed, int(record["total"]), count, percentage)


def advance_group(runtime: Runtime, execution: str, group_id: str) -> None:
    """Deliver the group's outcome to its parent, or start more children (idempotent)."""
    positions: list[int] = []
    while True:
        record, meta, specs = _read(runtime.redis, execution, group_id, positions)
        if record.get("delivered") != "0" or meta.get("status") != RUNNING:
            return
        total, started = int(record["total"]), int(record["started"])
        finished, failed = int(record["finished"]), int(record["failed"])
        if finished >= total or _exceeded(failed, record):
            outcome = _outcome(runtime.redis, execution, group_id, failed, record)
            runtime.advance(execution, record["parent"], outcome, deliver_group=group_id)
            return
        free = _free_slots(record, started, finished)
        if free <= 0:
            return
        wanted = list(range(started, started + free))
        if positions[: len(wanted)] != wanted:
            specs = _specs(runtime.redis, execution, group_id, wanted)
        else:
            specs = specs[: len(wanted)]
        if _start_batch(runtime, execution, group_id, record, meta, specs):
            nxt = started + len(specs)
            positions = list(range(nxt, min(total, nxt + _prefetch(record))))
        else:
            positions = []


def _free_slots(record: dict[str, str], started: int, finished: int) -> int:
    total, limit = int(record["total"]), int(record["maxConcurrency"])
    free = total - started
    if limit:
        free = min(free, limit - (started - finished))
    return min(free, BATCH)


def _prefetch(record: dict[str, str]) -> int:
    limit = int(record["maxConcurrency"])
    return min(limit, BATCH) if limit else BATCH


def _read(
    client: redis.Redis, execution: str, group_id: str, positions: list[int]
) -> tuple[dict[str, str], dict[str, str], list[Json]]:
    """The join record, the execution's step fields and (prefetched) child specs: one trip."""
    with client.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.group(execution, group_id))
        pipe.hmget(keys.meta(execution), STEP_FIELDS)
        if positions:
            pipe.hmget(keys.group_specs(execution, group_id), [str(p) for p in positions])
        raw, values, *specs = pipe.execute()
    record = {key.decode(): value.decode() for key, value in raw.items()}
    meta = {k: v.decode() for k, v in zip(STEP_FIELDS, values, strict=True) if v is not None}
    return record, meta, [json.loads(spec) for spec in (specs[0] if specs else [])]


def _specs(client: redis.Redis, execution: str, group_id: str, positions: list[int]) -> list[Json]:
    raw = client.hmget(keys.group_specs(execution, group_id), [str(p) for p in positions])
    return [json.loads(spec) for spec in raw]


def _start_batch(
    runtime: Runtime,
    execution: str,
    group_id: str,
    record: dict[str, str],
    meta: dict[str, str],
    specs: list[Json],
) -> bool:
    """Start `specs`' children in one commit, guarded by the group's `started` count.

    Each child's first step runs here; its events go to the history in index order. A child
    whose failure exceeds the tolerance ends the batch: no child after it starts."""
    write = GuardedWrite(runtime.redis)
    group_key = keys.group(execution, group_id)
    write.field_is(keys.meta(execution), "status", RUNNING)
    write.field_is(group_key, "started", record["started"])
    write.field_is(group_key, "delivered", "0")
    failed, count = int(record["failed"]), 0
    for spec in specs:
        index = spec["index"]
        run = Run(child_run_id(group_id, index), tuple(spec["machinePath"]), group_id, index)
        trigger = Start(spec["input"], spec["context"])
        decision = runtime.step(execution, meta, run, trigger)
        runtime.write(write, execution, trigger, decision)
        count += 1
        ends = [e for e in decision.step.effects if isinstance(e, Finish)]
        failed += sum(e.status != "SUCCEEDED" for e in ends)
        if _exceeded(failed, record):
            break
    write.add(group_key, "started", count)
    push_join_timer(write, execution, group_id)
    return write.commit() is not None


def _outcome(
    client: redis.Redis, execution: str, group_id: str, failed: int, record: dict[str, str]
) -> ChildrenDone | ChildFailed:
    failures = _load(client.hgetall(keys.group_failures(execution, group_id))) if failed else {}
    if _exceeded(len(failures), record):
        index = min(failures)
        return ChildFailed(index, failures[index]["error"], failures[index]["cause"])
    results = _load(client.hgetall(keys.group_results(execution, group_id)))
    for index, failure in failures.items():
        results[index] = {"Error": failure["error"], "Cause": failure["cause"]}
    return ChildrenDone([results[index] for index in sorted(results)])


def _load(raw: dict[bytes, bytes]) -> dict[int, Json]:
    return {int(key): json.loads(value) for key, value in raw.items()}


# Retention ----------------------------------------------------------------------------------


def child_records(record: dict[str, str]) -> int:
    """How many child run records a group may still have (0..n-1), from its join record.

    A child's record exists from its start until its end (a child that ends in its start
    commit never has one), so none is left once every started child has finished."""
    started, finished = int(record["started"]), int(record["finished"])
    return started if finished < started else 0


def close_group(
    pipe: Pipeline, execution: str, group_id: str, records: int, live: dict[str, str]
) -> None:
    """Delete a delivered (or abandoned) group: its records, the run records of its first
    `records` children, its join timer and the tokens its children still awaited (those `live`
    lists)."""
    names = [keys.group(execution, group_id)]
    names += [keys.group_specs(execution, group_id), keys.group_results(execution, group_id)]
    names.append(keys.group_failures(execution, group_id))
    names += [keys.run(execution, child_run_id(group_id, i)) for i in range(records)]
    pipe.unlink(*names)
    pipe.zrem(keys.TIMERS, join_member(execution, group_id))
    pipe.hdel(keys.live(execution), f"g:{group_id}")
    prefix = f"{group_id}."
    for name, run_id in live.items():
        if name.startswith("t:") and run_id.startswith(prefix):
            forget_token(pipe, execution, name[2:])


def keep_for_redrive(pipe: Pipeline, execution: str, live: dict[str, str]) -> None:
    """At an unsuccessful end: if the root run was waiting for a group (its Map/Parallel
    failed, or the execution stopped or timed out meanwhile), keep the outputs of the children
    that succeeded, so that a redrive runs only the others. COPY, not RENAME: a group where no
    child succeeded has no results, and a failing command would stop the commit half-way."""
    group_id = live.get(ROOT_GROUP)
    if group_id and f"g:{group_id}" in live:
        source = keys.group_results(execution, group_id)
        pipe.copy(source, keys.redrive_results(execution), replace=True)


def sweep(pipe: Pipeline, execution: str, live: dict[str, str]) -> None:
    """At the execution's end: close every group still open and forget every awaited token."""
    for name, value in live.items():
        if name.startswith("g:"):
            close_group(pipe, execution, name[2:], int(value), {})
        elif name.startswith("t:"):
            forget_token(pipe, execution, name[2:])
    pipe.unlink(keys.live(execution))


def track_token(pipe: Pipeline, execution: str, token: str, run_id: str) -> None:
    """List a child run's awaited token among what the execution holds (forgotten when
    resolved); the root run's token needs no entry: its record names it."""
    pipe.hset(keys.live(execution), f"t:{token}", run_id)
    pipe.hincrby(keys.live(execution), LIVE_REVISION, 1)


def forget_token(pipe: Pipeline, execution: str, token: str, tracked: bool = True) -> None:
    """A task is no longer awaited: its token index, heartbeat, claimed payload and
    redelivery markers go, and its `live` entry if it has one (`tracked`)."""
    names = [keys.token(token), keys.heartbeat(execution, token)]
    names.append(keys.claimed_task(execution, token))
    names += [keys.redelivery(execution, token, n) for n in range(1, leases.max_redeliveries() + 1)]
    pipe.unlink(*names)
    if tracked:
        pipe.hdel(keys.live(execution), f"t:{token}")
