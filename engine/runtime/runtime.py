"""`Runtime`: a commit, then the joins its child ends call for (Parallel branches, Map items).

A commit (`engine.runtime.commit`) records a child's end and returns it; `Runtime.advance` then
joins inline, without an RQ hop, when that end completes the group, exceeds its tolerance or
frees a MaxConcurrency slot. A join (`advance_group`, also the `advance_group` job and the
group's join timer) starts children in batches: a `BatchRequest` commit creates up to
`groups.BATCH` of them (the free MaxConcurrency slots), running each one's first step in
memory, so a child whose first step ends it (a Pass iterator) ends inside that same commit and
its slot is free again: the same commit goes on with the next children (a Map of 1,000 Pass
items with MaxConcurrency 10 is 4 commits, not 100; never more than MaxConcurrency running);
it counts `started` and is guarded by it, so two racing joins start each child once. Once the
outcome is known, the join delivers `ChildrenDone` / `ChildFailed` to the parent in the commit
that closes the group, so the parent hears exactly once. A crash between a commit and its join
is covered by the group's join timer (`join_due`).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from engine.core import joins
from engine.core.triggers import ChildFailed, ChildrenDone
from engine.runtime import groups, keys
from engine.runtime.commit import ChildEnded, CommitResult, Committer
from engine.runtime.config import RuntimeConfig
from engine.runtime.group_records import (
    ChildSpec,
    GroupRecord,
    decode_specs,
    read_specs,
    spec_fields,
)
from engine.runtime.requests import BatchRequest, JoinRequest, Request
from engine.runtime.store import RUNNING, STEP_FIELDS, Reads

Json = Any
log = logging.getLogger("sfn.commit")


class Runtime:
    """The I/O shell around the interpreter for one Redis database: commits (its
    `committer`) and the joins they call for.

    A Runtime holds a Committer rather than being one: a handler advances runs through
    `advance`, which never leaves a child's end without its join; the commit alone is the
    committer's."""

    def __init__(self, client: redis.Redis, env: Any = None, config: RuntimeConfig | None = None):
        self.committer = Committer(client, env, config)
        self.redis = client
        self.config = self.committer.config
        self.env = self.committer.env
        self.store = self.committer.store
        self.machines = self.committer.machines

    def advance(self, request: Request) -> CommitResult:
        """Commit `request` (`Committer.commit`), then run the joins its child ends call for;
        the result says whether it was stale (nothing written) and what else is left."""
        result = self.committer.commit(request)
        for ended in result.ended:
            try:
                after_finish(self, request.execution, ended)
            except (redis.RedisError, OSError) as error:
                # Its join timer covers a crash or outage here.
                log.warning("join of group %s deferred to its timer: %s", ended.group, error)
        return result

    def awaits_task(self, execution: str, run_id: str, token: str) -> bool:
        """Whether a running execution's run still waits for the task behind `token`."""
        return self.committer.awaits_task(execution, run_id, token)

    def task_reads(
        self, execution: str, run_id: str, token: str, also: Callable[[Any], Any] | None = None
    ) -> Reads | None:
        """What a step of the run reads, if it still waits for the task (`Committer`)."""
        return self.committer.task_reads(execution, run_id, token, also)


def after_finish(runtime: Runtime, execution: str, ended: ChildEnded) -> None:
    """After a child's final commit: join when that end completes the group, exceeds its
    tolerance or frees a MaxConcurrency slot; otherwise nothing is left to do."""
    limits = ended.record.limits
    if (
        ended.finished >= limits.total
        or joins.group_failed(limits, ended.failed)
        or joins.slot_freed(limits, ended.record.started)
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
    ends = False
    while True:
        read = _read(runtime.redis, execution, group_id, positions, ends)
        record, meta = read.record, read.meta
        if record is None or meta.get("status") != RUNNING:
            return
        limits = record.limits
        if record.finished >= limits.total or joins.group_failed(limits, record.failed):
            outcome = _outcome(runtime.redis, execution, group_id, limits, read.ended)
            runtime.advance(JoinRequest(execution, record.parent, outcome, group_id))
            return
        free = min(joins.free_slots(limits, record.started, record.finished), groups.BATCH)
        if free <= 0:
            return
        wanted = list(range(record.started, record.started + free))
        specs = read.specs
        if positions[: len(wanted)] != wanted:
            specs = read_specs(runtime.redis, execution, group_id, wanted)
        # Specs read past the free slots serve children started after others ended at once.
        batch = BatchRequest(execution, group_id, record, meta, tuple(specs))
        result = runtime.committer.commit(batch)
        positions, ends = [], False
        if result.committed:
            nxt = record.started + result.started
            # A batch that started more than its free slots had children end in their first
            # step: the next one likely will too, so its read takes a whole batch's specs.
            ahead = groups.BATCH if result.started > free else _prefetch(limits)
            positions = list(range(nxt, min(limits.total, nxt + ahead)))
            # Every child has started: if they all ended, the next read finds the outcome.
            ends = nxt >= limits.total


def _prefetch(limits: joins.Limits) -> int:
    limit = limits.max_concurrency
    return min(limit, groups.BATCH) if limit else groups.BATCH


@dataclass(frozen=True)
class JoinRead:
    """What one round trip of a join read: the join record (None: the group is gone), the
    execution's step fields, the child specs asked for, and (when asked) the children's
    results and failures as stored."""

    record: GroupRecord | None
    meta: dict[str, str]
    specs: list[ChildSpec]
    ended: tuple[dict[bytes, bytes], dict[bytes, bytes]] | None


def _read(
    client: redis.Redis, execution: str, group_id: str, positions: list[int], ends: bool
) -> JoinRead:
    """The join record, the execution's step fields, the specs at `positions` and (`ends`)
    what the children recorded, in one trip. The results are read after the record: every
    end the record counts is among them (a child's end and its count are one commit)."""
    with client.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.group(execution, group_id))
        pipe.hmget(keys.meta(execution), STEP_FIELDS)
        if positions:
            pipe.hmget(keys.group_specs(execution, group_id), spec_fields(positions))
        if ends:
            pipe.hgetall(keys.group_results(execution, group_id))
            pipe.hgetall(keys.group_failures(execution, group_id))
        raw, values, *rest = pipe.execute()
    meta = {k: v.decode() for k, v in zip(STEP_FIELDS, values, strict=True) if v is not None}
    specs = decode_specs(rest.pop(0)) if positions else []
    ended = (rest[0], rest[1]) if ends else None
    return JoinRead(GroupRecord.decode(raw), meta, specs, ended)


def _outcome(
    client: redis.Redis,
    execution: str,
    group_id: str,
    limits: joins.Limits,
    ended: tuple[dict[bytes, bytes], dict[bytes, bytes]] | None,
) -> ChildrenDone | ChildFailed:
    """What the parent hears once the group failed or every child ended (the core decides
    which failure wins); a failed Map's ResultWriter writes the children that ended. Reads
    the children's results and failures unless the join's read brought them (`ended`)."""
    if ended is None:
        with client.pipeline(transaction=False) as pipe:  # one round trip for both
            pipe.hgetall(keys.group_results(execution, group_id))
            pipe.hgetall(keys.group_failures(execution, group_id))
            raw_results, raw_failures = pipe.execute()
        ended = raw_results, raw_failures
    results, failures = groups.results(ended[0]), groups.failures(ended[1])
    return joins.group_outcome(limits, results, failures)
