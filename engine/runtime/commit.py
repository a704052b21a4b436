"""One atomic commit per step: read a run, let the interpreter decide, write it all or nothing.

`Committer.commit` reads what a step needs in one pipelined round trip (the execution's status,
the run's record, its group's join record), calls the pure `advance`, then writes in one guarded
Lua call (`engine.runtime.guarded`): the new snapshot, its history events and every effect (RQ
jobs, timers, child groups, the execution's end). The write happens only if the execution's
status, the run's version and its group are still what was read; else the step is re-read and
re-decided: a stale or concurrent writer never overwrites. A commit returns what it left to do
(`Committed`: the child ends it recorded); it never calls up into the joins that run them
(`engine.runtime.runtime`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import redis

from engine import integrations
from engine.buckets.storage import BucketStorage
from engine.core.context import iso
from engine.core.effects import Finish, RunTask, StartChildren, StartTimer
from engine.core.env import ExecutionEnv
from engine.core.interpreter import advance
from engine.core.triggers import Redrive, Trigger
from engine.runtime import config as settings
from engine.runtime import counters, dispatch, eager, groups, keys, retention, tokens
from engine.runtime.config import RuntimeConfig
from engine.runtime.guarded import GuardedWrite
from engine.runtime.store import (
    REDRIVABLE,
    ROOT,
    RUNNING,
    STEP_FIELDS,
    Reads,
    Run,
    Store,
    dumps,
    group_of,
)
from engine.runtime.system import ExecutionInputs, Machines, SystemEnv
from engine.runtime.timer_entries import HeartbeatCheck, StateTimer, TaskTimeout, encode

Json = Any
# Nested executions whose end their parent's Task waits for (states:startExecution.sync[:2]).
NOTIFIED_PATTERNS = (".sync", ".sync:2")


@dataclass
class Decision:
    """What one step decided, ready to be written."""

    meta: dict[str, str]
    run: Run
    step: Any
    inline: bool = True
    before: Json = None  # the snapshot the step started from (None for a new run)
    existed: bool = False
    reads: Reads | None = None
    joins: list[groups.Finished] = field(default_factory=list)
    chain: eager.Chain | None = None  # the worker's, if it may run a scheduled Task itself
    claimed: dict[str, Json] | None = None  # the Task job it will run, if it claimed one
    record: str | None = None  # the run record written


@dataclass(frozen=True)
class Committed:
    """A committed step's follow-up: the child ends it recorded and the commit's replies, which
    hold their groups' counts (`groups.Finished`)."""

    joins: list[groups.Finished]
    replies: dict[Any, Any]


class Committer:
    """Commits steps of runs in one Redis database: read, decide (the pure core), write."""

    def __init__(self, client: redis.Redis, env: Any = None, config: RuntimeConfig | None = None):
        self.redis = client
        self.config = config or settings.current()
        self.store = Store(client)
        self.env = env or SystemEnv()
        self.machines = Machines(self.store.definition)
        self.inputs = ExecutionInputs(client, self.store.input)
        self.storage = BucketStorage.of(self.config.buckets_source, self.config.buckets_dir)

    def commit(
        self,
        execution: str,
        run_id: str,
        trigger: Trigger,
        *,
        create: Run | None = None,
        deliver_group: str | None = None,
        open_meta: dict[str, str] | None = None,
        also: Callable[[Any], Any] | None = None,
        chain: eager.Chain | None = None,
        reads: Reads | None = None,
    ) -> Committed | None:
        """Apply `trigger` to a run and commit; None when it was stale (nothing written).

        `create` starts a run that must not exist yet; `open_meta` also creates the execution
        it belongs to (which must not exist yet); `deliver_group` closes that child group in
        the same commit (its records go), so the parent hears from it once. A commit that ends
        a child may complete its group or free a MaxConcurrency slot: it is in the result, for
        the caller to join (`Runtime.advance`). `also(pipe)` adds the caller's own
        writes to the commit, before the step's (a Task's lease and job watch end with its
        result; a redrive's PERSISTs come before an end that may expire the keys again). With a
        worker's `chain`, a Task the step schedules may be claimed by that worker (`eager`).
        `reads`: what an earlier trip read for this step (`task_reads`); the commit's guards
        catch whatever changed since, and the step is then read again."""
        given = reads
        while True:
            reads, given = given or self._read(execution, run_id, deliver_group), None
            decision = self._decide(
                execution, run_id, trigger, reads, create, deliver_group, open_meta
            )
            if decision is None:
                return None
            decision.chain = chain
            write = GuardedWrite(self.redis)
            _guard(write, execution, run_id, reads, decision, deliver_group)
            if open_meta:
                _open_execution(write.pipe, execution, open_meta)
            if also:
                also(write.pipe)
            self.write(write, execution, trigger, decision)
            if deliver_group:
                records = groups.child_records(reads.delivered)
                groups.close_group(write.pipe, execution, deliver_group, records, reads.live)
            replies = write.commit()
            if replies is None:
                continue
            if decision.claimed is not None and chain is not None:
                chain.claim(decision.claimed, _reads_after(reads, decision))
            return Committed(decision.joins, replies)

    def awaits_task(self, execution: str, run_id: str, token: str) -> bool:
        """Whether a running execution's run still waits for the task behind `token`."""
        return self.task_reads(execution, run_id, token) is not None

    def task_reads(
        self, execution: str, run_id: str, token: str, also: Callable[[Any], Any] | None = None
    ) -> Reads | None:
        """What a step of the run reads, if the run still waits for the task behind `token`.

        None once its result is committed, the task timed out, the execution stopped, or the
        run's child group already ended (a sibling failed): then running it is wasted.
        `also(pipe)` adds the caller's own commands to the same round trip. The attempt's
        result can be committed on these reads (`advance(reads=)`)."""
        reads = self._read(execution, run_id, None, also)
        run = Run.load(run_id, reads.raw_run)
        if reads.meta.get("status") != RUNNING or run is None or not run.awaits_task(token):
            return None
        if group_of(run_id) and reads.group.get("delivered") != "0":
            return None
        return reads

    def step(self, execution: str, meta: dict[str, str], run: Run, trigger: Trigger) -> Decision:
        """Run the interpreter for one run of `execution` (no I/O but a cached input read, and
        a Distributed Map's buckets: its ItemReader and ResultWriter)."""
        machine = self.machines.find(meta["definition"], run.machine_path)
        # Child runs read the execution's input through the env, only when they need it.
        env = ExecutionEnv(
            self.env, lambda: self.inputs.get(execution, meta["startEpoch"]), self.storage
        )
        step = advance(machine, run.snapshot, trigger, env)
        # Distributed Map iterations are executions of their own, outside this history.
        inline = machine.mode != "DISTRIBUTED" or not run.group
        return Decision(meta, run, step, inline, before=run.snapshot)

    def write(
        self, write: GuardedWrite, execution: str, trigger: Trigger, decision: Decision
    ) -> None:
        """Record a decided step's writes (snapshot, events, effects) on `write`."""
        pipe = write.pipe
        now = self.env.now()
        run, step = decision.run, decision.step
        run.snapshot = step.snapshot
        ends_child = run.group is not None and any(isinstance(e, Finish) for e in step.effects)
        if not ends_child:
            decision.record = run.dump()
            pipe.set(keys.run(execution, run.id), decision.record)
        elif decision.existed:
            pipe.unlink(keys.run(execution, run.id))  # an ended child's record serves no one
        if step.events:
            stamp = iso(now)
            lines = [dumps({"timestamp": stamp, **event}) for event in step.events]
            where = (
                keys.history(execution) if decision.inline else keys.run_history(execution, run.id)
            )
            write.push(where, lines)
            entered = sum(1 for event in step.events if "stateEnteredEventDetails" in event)
            if entered:
                counters.transitions(pipe, execution.partition(":")[0], entered)
            if not decision.inline and not decision.existed:
                retention.track_run_history(pipe, execution, run.id)
        if isinstance(trigger, Redrive):
            self._reopen(pipe, execution, decision.meta, now)
        resolved = _awaited_token(decision.before)
        if resolved and resolved != _awaited_token(step.snapshot):
            groups.forget_token(pipe, execution, resolved, tracked=run.id != ROOT)
        for effect in step.effects:
            self._apply(write, execution, decision, effect, now)

    def _read(
        self,
        execution: str,
        run_id: str,
        deliver_group: str | None,
        also: Callable[[Any], Any] | None = None,
    ) -> Reads:
        group = group_of(run_id)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hmget(keys.meta(execution), STEP_FIELDS)
            pipe.get(keys.run(execution, run_id))
            for group_id in (group, deliver_group):
                if group_id:
                    pipe.hgetall(keys.group(execution, group_id))
            if run_id == ROOT:
                pipe.hgetall(keys.live(execution))
            count = len(pipe.command_stack)
            if also:
                also(pipe)
            replies = pipe.execute()[:count]
        values, raw_run, *rest = replies
        meta = {k: v.decode() for k, v in zip(STEP_FIELDS, values, strict=True) if v is not None}
        own = _text(rest.pop(0)) if group else {}
        delivered = _text(rest.pop(0)) if deliver_group else {}
        live = _text(rest.pop(0)) if run_id == ROOT else {}
        return Reads(meta, raw_run, own, delivered, live)

    def _decide(
        self,
        execution: str,
        run_id: str,
        trigger: Trigger,
        reads: Reads,
        create: Run | None,
        deliver_group: str | None,
        open_meta: dict[str, str] | None,
    ) -> Decision | None:
        meta = reads.meta
        if bool(meta) == bool(open_meta):
            return None
        meta = meta or dict(open_meta or {})
        status = meta.get("status")
        if isinstance(trigger, Redrive):
            if status not in REDRIVABLE:
                return None
        elif status != RUNNING:
            return None
        run = Run.load(run_id, reads.raw_run)
        if (create is None) == (run is None):
            return None
        run = run or create
        if run.group and reads.group.get("delivered") != "0":
            return None  # the group already ended (a sibling failed): this child is abandoned
        if deliver_group and reads.delivered.get("delivered") != "0":
            return None
        decision = self.step(execution, meta, run, trigger)
        step = decision.step
        unchanged = not step.events and not step.effects and step.snapshot == decision.before
        if create is None and unchanged:
            return None
        decision.existed, decision.reads = reads.raw_run is not None, reads
        return decision

    def _apply(
        self, write: GuardedWrite, execution: str, decision: Decision, effect: Any, now: datetime
    ) -> None:
        run, pipe = decision.run, write.pipe
        if isinstance(effect, RunTask):
            self._run_task(pipe, execution, decision, effect, now)
        elif isinstance(effect, StartTimer):
            member = encode(StateTimer(execution, run.id, effect.timer_id))
            dispatch.add_timer(pipe, member, effect.at)
        elif isinstance(effect, StartChildren):
            groups.open_group(pipe, self.redis, self.config, execution, run.id, effect)
        elif isinstance(effect, Finish) and run.id == ROOT:
            self._finish(pipe, execution, decision, effect, now)
        elif isinstance(effect, Finish):
            record = decision.reads.group if decision.reads else {}
            finished = groups.child_finished(write, self.config, execution, run, effect, record)
            decision.joins.append(finished)

    def _run_task(
        self, pipe: Any, execution: str, decision: Decision, task: RunTask, now: datetime
    ) -> None:
        run_id = decision.run.id
        dispatch.remember_token(pipe, task.token, execution, run_id)
        if run_id != ROOT:  # the root's token is in its record, which its end reads
            groups.track_token(pipe, execution, task.token, run_id)
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
            dispatch.DEFAULT_QUEUE
            if activity is None
            else dispatch.queue_for(activity, self.config)
        )
        description = f"{task.resource} ({execution} {task.state_name})"
        chain = decision.chain
        claimable = activity is not None and decision.claimed is None
        if chain and claimable and chain.can_claim(activity, queue_name):
            eager.hold(pipe, self.redis, self.config, job, queue_name, description)
            decision.claimed = job
        else:
            dispatch.enqueue(
                pipe,
                self.redis,
                self.config,
                "run_task",
                job,
                queue_name=queue_name,
                job_id=tokens.job_id(task.token),
                description=description,
                timeout=self.config.kill_after(task.timeout_seconds),
            )
        if task.timeout_seconds:
            member = encode(TaskTimeout(execution, run_id, task.token))
            dispatch.add_timer(pipe, member, _plus(now, task.timeout_seconds))
        if task.heartbeat_seconds:
            check = HeartbeatCheck(execution, run_id, task.token, task.heartbeat_seconds)
            member = encode(check)
            dispatch.add_timer(pipe, member, _plus(now, task.heartbeat_seconds))

    def _finish(
        self, pipe: Any, execution: str, decision: Decision, end: Finish, now: datetime
    ) -> None:
        fields = {"status": end.status, "stopDate": iso(now)}
        if end.status == "SUCCEEDED":
            fields["output"] = dumps(end.output)
        if end.error is not None:
            fields["error"] = end.error
        if end.cause is not None:
            fields["cause"] = end.cause
        pipe.hset(keys.meta(execution), mapping=fields)
        started = float(decision.meta["startEpoch"])
        pipe.zrem(keys.by_status(RUNNING), execution)
        pipe.zadd(keys.by_status(end.status), {execution: started})
        pipe.zadd(keys.STOPPED, {execution: now.timestamp()})
        pipe.rpush(keys.done(execution), end.status)
        counters.finished(pipe, execution.partition(":")[0], end.status)
        # The execution keeps its meta, history and root run (for redrive); the rest goes.
        live = decision.reads.live if decision.reads else {}
        if end.status != "SUCCEEDED":
            groups.keep_for_redrive(pipe, execution, live)
        groups.sweep(pipe, execution, live)
        retention.on_finish(pipe, execution, live, now, self.config.retention_days)
        if decision.meta.get("parentPattern") in NOTIFIED_PATTERNS:
            # A nested execution the parent's Task waits for (.sync): tell it, in this commit.
            job = {"execution": execution}
            dispatch.enqueue(pipe, self.redis, self.config, "notify_parent", job)

    def _reopen(self, pipe: Any, execution: str, meta: dict[str, str], now: datetime) -> None:
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


def _guard(
    write: GuardedWrite,
    execution: str,
    run_id: str,
    reads: Reads,
    decision: Decision,
    deliver_group: str | None,
) -> None:
    """What must still hold for this step's write: as WATCH did, but checked in the write."""
    write.field_is(keys.meta(execution), "status", reads.meta.get("status"))
    write.record_is(keys.run(execution, run_id), reads.raw_run)
    for group_id in (decision.run.group, deliver_group):
        if group_id:
            write.field_is(keys.group(execution, group_id), "delivered", "0")
    if deliver_group:
        # Which child records may exist depends on how many started (`child_records`).
        write.field_is(keys.group(execution, deliver_group), "started", reads.delivered["started"])
    if run_id == ROOT and any(isinstance(e, Finish) for e in decision.step.effects):
        # The end sweeps every open group and token: none may have appeared since the read.
        write.field_is(
            keys.live(execution), groups.LIVE_REVISION, reads.live.get(groups.LIVE_REVISION)
        )


def _reads_after(reads: Reads, decision: Decision) -> Reads:
    """What the step after a committed `decision` would read, as far as this process knows:
    the record it wrote. Anything else changed since is caught by that step's guards."""
    raw = decision.record.encode() if decision.record is not None else None
    return Reads(decision.meta, raw, reads.group, {}, reads.live)


def _awaited_token(snapshot: Json) -> str | None:
    awaited = (snapshot or {}).get("awaiting") or {}
    return awaited.get("token") if awaited.get("kind") == "task" else None


def _text(raw: dict[bytes, bytes]) -> dict[str, str]:
    return {key.decode(): value.decode() for key, value in raw.items()}


def _open_execution(pipe: Any, execution: str, meta: dict[str, str]) -> None:
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


def _plus(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)
