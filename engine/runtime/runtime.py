"""`Runtime`: a commit, then the joins its child ends call for (Parallel branches, Map items).

A commit (`engine.runtime.commit`) records a child's end and returns it; `Runtime.advance` then
joins inline, without an RQ hop, when that end completes the group, exceeds its tolerance or
frees a MaxConcurrency slot. A join (`advance_group`, also the `advance_group` job and the
group's join timer) starts children in batches: one guarded commit creates up to `groups.BATCH`
of them (the free MaxConcurrency slots), running each one's first step in memory, so a child
whose first step ends it (a Pass iterator) ends inside that same commit and its slot is free
again: the same commit goes on with the next children (a Map of 1,000 Pass items with
MaxConcurrency 10 is 10 commits, not 100; never more than MaxConcurrency running); it counts
`started` and is guarded by it, so two racing joins start each child once. Once the outcome is
known, the join delivers `ChildrenDone` / `ChildFailed` to the parent in the commit that closes
the group, so the parent hears exactly once. A crash between a commit and its join is covered
by the group's join timer (`join_due`).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any

import redis

from engine.core import joins
from engine.core.effects import Finish
from engine.core.triggers import ChildFailed, ChildrenDone, Start
from engine.runtime import groups, keys
from engine.runtime.commit import ChildEnded, CommitResult, Committer
from engine.runtime.guarded import GuardedWrite
from engine.runtime.requests import JoinRequest, Request
from engine.runtime.store import RUNNING, STEP_FIELDS, Run, child_run_id

Json = Any
log = logging.getLogger("sfn.commit")


class Runtime(Committer):
    """The I/O shell around the interpreter for one Redis database."""

    def advance(self, request: Request) -> CommitResult:
        """Commit `request` (`Committer.commit`), then run the joins its child ends call for;
        the result says whether it was stale (nothing written) and what else is left."""
        result = self.commit(request)
        for ended in result.ended:
            try:
                after_finish(self, request.execution, ended)
            except (redis.RedisError, OSError) as error:
                # Its join timer covers a crash or outage here.
                log.warning("join of group %s deferred to its timer: %s", ended.group, error)
        return result


def after_finish(runtime: Runtime, execution: str, ended: ChildEnded) -> None:
    """After a child's final commit: join when that end completes the group, exceeds its
    tolerance or frees a MaxConcurrency slot; otherwise nothing is left to do."""
    record, done, failed = ended.record, ended.finished, ended.failed
    limits = groups.limits(record)
    if (
        done >= limits.total
        or joins.group_failed(limits, failed)
        or joins.slot_freed(limits, int(record.get("started", limits.total)))
    ):
        advance_group(runtime, execution, ended.group)


def join_due(runtime: Runtime, execution: str, group_id: str, recheck: str) -> None:
    """A join timer fell due (the process that should have joined may have died): join.

    The poller removes the member after this returns, even if a child's commit pushed it
    meanwhile; a one-off recheck member a lease later covers such a commit."""
    advance_group(runtime, execution, group_id)
    if not recheck and runtime.redis.exists(keys.group(execution, group_id)):
        member = groups.join_member(execution, group_id, secrets.token_hex(4))
        due = time.time() + runtime.config.lease_seconds
        runtime.redis.zadd(keys.TIMERS, {member: due})


def advance_group(runtime: Runtime, execution: str, group_id: str) -> None:
    """Deliver the group's outcome to its parent, or start more children (idempotent)."""
    positions: list[int] = []
    while True:
        record, meta, specs = _read(runtime.redis, execution, group_id, positions)
        if record.get("delivered") != "0" or meta.get("status") != RUNNING:
            return
        limits, started = groups.limits(record), int(record["started"])
        finished, failed = int(record["finished"]), int(record["failed"])
        if finished >= limits.total or joins.group_failed(limits, failed):
            outcome = _outcome(runtime.redis, execution, group_id, failed, limits)
            runtime.advance(JoinRequest(execution, record["parent"], outcome, group_id))
            return
        free = min(joins.free_slots(limits, started, finished), groups.BATCH)
        if free <= 0:
            return
        wanted = list(range(started, started + free))
        if positions[: len(wanted)] != wanted:
            specs = _specs(runtime.redis, execution, group_id, wanted)
        else:
            specs = specs[: len(wanted)]
        count = _start_batch(runtime, execution, group_id, record, meta, specs)
        if count is not None:
            nxt = started + count
            positions = list(range(nxt, min(limits.total, nxt + _prefetch(record))))
        else:
            positions = []


def _prefetch(record: dict[str, str]) -> int:
    limit = int(record["maxConcurrency"])
    return min(limit, groups.BATCH) if limit else groups.BATCH


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
) -> int | None:
    """Start `specs`' children in one commit, guarded by the group's `started` count, and
    more after them while children end in their first step (`_more`); return how many
    started, or None when the commit lost the race.

    Each child's first step runs here; its events go to the history in index order. A child
    whose failure exceeds the tolerance ends the batch: no child after it starts."""
    write = GuardedWrite(runtime.redis)
    group_key = keys.group(execution, group_id)
    write.field_is(keys.meta(execution), "status", RUNNING)
    write.field_is(group_key, "started", record["started"])
    write.field_is(group_key, "delivered", "0")
    failed, count, ended = int(record["failed"]), 0, 0
    limits, started, finished = (
        groups.limits(record),
        int(record["started"]),
        int(record["finished"]),
    )
    specs = list(specs)
    # The core says whether a slot is free: a child that ends in its first step frees its own.
    while count < len(specs) and joins.free_slots(limits, started + count, finished + ended) > 0:
        spec = specs[count]
        index = spec["index"]
        run = Run(child_run_id(group_id, index), tuple(spec["machinePath"]), group_id, index)
        trigger = Start(spec["input"], spec["context"])
        decision = runtime.step(execution, meta, run, trigger)
        runtime.write(write, decision)
        count += 1
        ends = [e for e in decision.step.effects if isinstance(e, Finish)]
        ended += bool(ends)
        failed += sum(e.status != "SUCCEEDED" for e in ends)
        if joins.group_failed(limits, failed):
            break
        if count == len(specs) and limits.max_concurrency:
            specs += _more(runtime.redis, execution, group_id, record, count, ended)
    write.add(group_key, "started", count)
    groups.push_join_timer(write, runtime.config, execution, group_id)
    return count if write.commit() is not None else None


def _more(
    client: redis.Redis,
    execution: str,
    group_id: str,
    record: dict[str, str],
    count: int,
    ended: int,
) -> list[Json]:
    """The specs of the children a batch with a MaxConcurrency may start after its first
    `count`, of which `ended` ended in their first step (each freed its slot again): when all
    did, as many as one commit takes (`groups.BATCH`; the batch stops at the limit should the
    next ones not end), else as many as there is room for."""
    limits = groups.limits(record)
    started, finished = int(record["started"]) + count, int(record["finished"]) + ended
    room = min(limits.total - started, groups.BATCH - count)
    if ended < count:
        room = min(room, joins.free_slots(limits, started, finished))
    if room <= 0:
        return []
    return _specs(client, execution, group_id, list(range(started, started + room)))


def _outcome(
    client: redis.Redis, execution: str, group_id: str, failed: int, limits: joins.Limits
) -> ChildrenDone | ChildFailed:
    """What the parent hears once the group failed or every child ended (the core decides
    which failure wins); a failed Map's ResultWriter writes the children that ended."""
    with client.pipeline(transaction=False) as pipe:  # one round trip for both
        pipe.hgetall(keys.group_results(execution, group_id))
        if failed:
            pipe.hgetall(keys.group_failures(execution, group_id))
        raw_results, *raw_failures = pipe.execute()
    results = {int(key): json.loads(value) for key, value in raw_results.items()}
    return joins.group_outcome(limits, results, groups.failures(raw_failures[0] if failed else {}))
