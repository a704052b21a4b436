"""Child groups' records: what a commit writes for Parallel branches and Map iterations.

A `StartChildren` effect opens a *group* in the parent's commit: a join record (total, started,
finished, failed, delivered), the children's inputs, and one `advance_group` job. A child's
final commit stores its result and counts it (`finished`, `failed`). The commit that delivers
the outcome closes the group (its records and its children's run records go; DISTRIBUTED run
histories stay). Crash safety: every commit that ends or starts children pushes the group's
join timer to now + the lease; the delivering commit removes it. The joins themselves (reading
these records, starting children, delivering) are `engine.runtime.runtime`'s.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import redis
from redis.client import Pipeline

from engine.core import joins
from engine.core.effects import Finish, StartChildren
from engine.runtime import dispatch, keys
from engine.runtime.config import RuntimeConfig
from engine.runtime.group_records import GroupRecord, encode_specs, parse_all
from engine.runtime.guarded import GuardedWrite
from engine.runtime.store import ROOT, Run, child_run_id, dumps
from engine.runtime.timer_entries import GroupJoin, encode

Json = Any
BATCH = 250  # children started per commit at most
LIVE_REVISION = "rev"
ROOT_GROUP = "root"


@dataclass(frozen=True)
class Finished:
    """A child end recorded in a commit, and where its counts are among the replies."""

    group: str
    record: GroupRecord
    finished_reply: tuple[str, str]
    failed_reply: tuple[str, str]


def open_group(
    pipe: Pipeline,
    client: redis.Redis,
    config: RuntimeConfig,
    execution: str,
    parent: str,
    effect: StartChildren,
) -> str:
    """Write a new group for `effect` into the parent's commit; return its id."""
    group_id = secrets.token_hex(6)
    record = GroupRecord.opened(parent, effect)
    pipe.hset(keys.group(execution, group_id), mapping=record.encode())
    specs = encode_specs(effect.children)
    if specs:
        pipe.hset(keys.group_specs(execution, group_id), mapping=specs)
    pipe.hset(keys.live(execution), f"g:{group_id}", len(effect.children))
    if parent == ROOT:
        pipe.hset(keys.live(execution), ROOT_GROUP, group_id)
    pipe.hincrby(keys.live(execution), LIVE_REVISION, 1)
    dispatch.enqueue(
        pipe,
        client,
        config,
        "advance_group",
        {"execution": execution, "group": group_id},
        description=f"join {execution} {group_id}",
    )
    return group_id


def child_finished(
    write: GuardedWrite,
    config: RuntimeConfig,
    execution: str,
    run: Run,
    end: Finish,
    record: GroupRecord,
) -> Finished:
    """Record a child's end in its own final commit, count it, and push the join timer."""
    assert run.group is not None
    if end.status == "SUCCEEDED":
        results = keys.group_results(execution, run.group)
        write.put(results, str(run.index), end.output_text())  # as its last state printed it
    else:
        failure = {"error": end.error, "cause": end.cause}
        write.put(keys.group_failures(execution, run.group), str(run.index), dumps(failure))
    group_key = keys.group(execution, run.group)
    finished_reply = write.add(group_key, "finished", 1)
    failed_reply = write.add(group_key, "failed", int(end.status != "SUCCEEDED"))
    push_join_timer(write, config, execution, run.group)
    return Finished(run.group, record, finished_reply, failed_reply)


def push_join_timer(
    write: GuardedWrite, config: RuntimeConfig, execution: str, group_id: str
) -> None:
    """Due one lease from now (once per commit): fires a join if this process dies first."""
    if write.first(("join", group_id)):
        due = time.time() + config.lease_seconds
        write.pipe.zadd(keys.TIMERS, {join_member(execution, group_id): due})


def join_member(execution: str, group_id: str, recheck: str = "") -> str:
    return encode(GroupJoin(execution, group_id, recheck))


def results(raw: dict[bytes, bytes]) -> dict[int, Json]:
    """The outputs a group's children recorded (`child_finished`), by child index."""
    return dict(zip(map(int, raw), parse_all(raw.values()), strict=True))


def failures(raw: dict[bytes, bytes]) -> dict[int, joins.ChildError]:
    """The failures a group recorded (`child_finished`), by child index."""
    loaded = results(raw)
    return {i: joins.ChildError(f["error"], f["cause"]) for i, f in loaded.items()}


# Retention ----------------------------------------------------------------------------------


def child_records(record: GroupRecord) -> int:
    """How many child run records a group may still have (0..n-1), from its join record.

    A child's record exists from its start until its end (a child that ends in its start
    commit never has one), so none is left once every started child has finished."""
    return record.started if record.running else 0


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
    """A task is no longer awaited: its token index and claimed payload go, and its `live`
    entry if it has one (`tracked`)."""
    pipe.unlink(keys.token(token), keys.claimed_task(execution, token))
    if tracked:
        pipe.hdel(keys.live(execution), f"t:{token}")
