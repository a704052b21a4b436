"""One atomic commit per step: read a run, let the interpreter decide, write it all or nothing.

`Runtime.advance` WATCHes the run (and the execution's description), calls the pure `advance`,
then writes in one MULTI/EXEC: the new snapshot, its history events and every effect (RQ jobs,
timers, child groups, the execution's end). If another writer moved the run on meanwhile, EXEC
fails and the step is re-read and re-decided: a stale writer never overwrites.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis
from redis.client import Pipeline

from engine.core.context import iso
from engine.core.effects import Finish, RunTask, StartChildren, StartTimer
from engine.core.env import ExecutionEnv
from engine.core.interpreter import advance
from engine.core.triggers import Redrive, Trigger
from engine.runtime import dispatch, groups, keys
from engine.runtime.store import REDRIVABLE, ROOT, RUNNING, Run, Store, dumps
from engine.runtime.system import ExecutionInputs, Machines, SystemEnv

Json = Any
STEP_FIELDS = ("status", "definition", "startEpoch", "redriveCount")


@dataclass
class Decision:
    """What one step decided, ready to be written."""

    meta: dict[str, str]
    run: Run
    step: Any
    inline: bool = True


class Runtime:
    """The I/O shell around the interpreter for one Redis database."""

    def __init__(self, client: redis.Redis, env: Any = None):
        self.redis = client
        self.store = Store(client)
        self.env = env or SystemEnv()
        self.machines = Machines(self.store.definition)
        self.inputs = ExecutionInputs(client, self.store.input)

    def advance(
        self,
        execution: str,
        run_id: str,
        trigger: Trigger,
        *,
        create: Run | None = None,
        deliver_group: str | None = None,
        open_meta: dict[str, str] | None = None,
        count_start: str | None = None,
    ) -> bool:
        """Apply `trigger` to a run and commit; False when it was stale (nothing written).

        `create` starts a run that must not exist yet; `open_meta` also creates the execution
        it belongs to (which must not exist yet); `deliver_group` marks that child group as
        delivered in the same transaction, so the parent hears from it once; `count_start`
        counts a child start in its group in the transaction that creates the child.
        """
        watched = [keys.run(execution, run_id), keys.meta(execution)]
        for group_id in filter(None, (deliver_group, count_start)):
            watched.append(keys.group(execution, group_id))
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(*watched)
                    decision = self._decide(
                        pipe, execution, run_id, trigger, create, deliver_group, open_meta
                    )
                    if decision is None:
                        pipe.unwatch()
                        return False
                    pipe.multi()
                    if open_meta:
                        _open_execution(pipe, execution, open_meta)
                    self._write(pipe, execution, trigger, decision, deliver_group)
                    if count_start:
                        pipe.hincrby(keys.group(execution, count_start), "started", 1)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def awaits_task(self, execution: str, run_id: str, token: str) -> bool:
        """Whether a running execution's run still waits for the task behind `token`.

        False once its result is committed, the task timed out, the execution stopped, or
        the run's child group already ended (a sibling failed): then running it is wasted."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(keys.meta(execution), "status")
            pipe.get(keys.run(execution, run_id))
            status, raw = pipe.execute()
        run = Run.load(run_id, raw)
        if status != RUNNING.encode() or run is None or not run.awaits_task(token):
            return False
        closed = run.group and self.redis.hget(keys.group(execution, run.group), "delivered")
        return closed != b"1"

    def _decide(
        self,
        pipe: Pipeline,
        execution: str,
        run_id: str,
        trigger: Trigger,
        create: Run | None,
        deliver_group: str | None,
        open_meta: dict[str, str] | None,
    ) -> Decision | None:
        # Only the fields a step needs: the input and output may weigh 256 KiB each.
        values = pipe.hmget(keys.meta(execution), STEP_FIELDS)
        meta = {k: v.decode() for k, v in zip(STEP_FIELDS, values, strict=True) if v is not None}
        if bool(meta) == bool(open_meta):
            return None
        meta = meta or dict(open_meta or {})
        status = meta.get("status")
        if isinstance(trigger, Redrive):
            if status not in REDRIVABLE:
                return None
        elif status != RUNNING:
            return None
        run = Run.load(run_id, pipe.get(keys.run(execution, run_id)))
        if (create is None) == (run is None):
            return None
        run = run or create
        if run.group and pipe.hget(keys.group(execution, run.group), "delivered") == b"1":
            return None  # the group already ended (a sibling failed): this child is abandoned
        if deliver_group and pipe.hget(keys.group(execution, deliver_group), "delivered") == b"1":
            return None
        machine = self.machines.find(meta["definition"], run.machine_path)
        # Child runs read the execution's input through the env, only when they need it.
        env = ExecutionEnv(self.env, lambda: self.inputs.get(execution, meta["startEpoch"]))
        step = advance(machine, run.snapshot, trigger, env)
        unchanged = not step.events and not step.effects and step.snapshot == run.snapshot
        if create is None and unchanged:
            return None
        # Distributed Map iterations are executions of their own, outside this history.
        return Decision(meta, run, step, inline=machine.mode != "DISTRIBUTED" or not run.group)

    def _write(
        self,
        pipe: Pipeline,
        execution: str,
        trigger: Trigger,
        decision: Decision,
        deliver_group: str | None,
    ) -> None:
        now = self.env.now()
        run, step = decision.run, decision.step
        run.snapshot = step.snapshot
        pipe.set(keys.run(execution, run.id), run.dump())
        if step.events:
            stamp = iso(now)
            lines = [dumps({"timestamp": stamp, **event}) for event in step.events]
            where = (
                keys.history(execution) if decision.inline else keys.run_history(execution, run.id)
            )
            pipe.rpush(where, *lines)
        if deliver_group:
            pipe.hset(keys.group(execution, deliver_group), "delivered", "1")
        if isinstance(trigger, Redrive):
            self._reopen(pipe, execution, decision.meta, now)
        for effect in step.effects:
            self._apply(pipe, execution, decision, effect, now)

    def _apply(
        self, pipe: Pipeline, execution: str, decision: Decision, effect: Any, now: datetime
    ) -> None:
        run = decision.run
        if isinstance(effect, RunTask):
            self._run_task(pipe, execution, run.id, effect, now)
        elif isinstance(effect, StartTimer):
            member = dispatch.timer_member("timer", execution, run.id, effect.timer_id)
            dispatch.add_timer(pipe, member, effect.at)
        elif isinstance(effect, StartChildren):
            groups.open_group(pipe, self.redis, execution, run.id, effect)
        elif isinstance(effect, Finish) and run.id == ROOT:
            self._finish(pipe, execution, decision.meta, effect, now)
        elif isinstance(effect, Finish):
            groups.child_finished(pipe, self.redis, execution, run, effect)

    def _run_task(
        self, pipe: Pipeline, execution: str, run_id: str, task: RunTask, now: datetime
    ) -> None:
        dispatch.remember_token(pipe, task.token, execution, run_id)
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
        dispatch.enqueue(
            pipe,
            self.redis,
            "run_task",
            job,
            queue_name=dispatch.queue_for(task.resource),
            job_id=task.token,
            description=f"{task.resource} ({execution} {task.state_name})",
            timeout=dispatch.kill_after(task.timeout_seconds),
        )
        if task.timeout_seconds:
            member = dispatch.timer_member("timeout", execution, run_id, task.token)
            dispatch.add_timer(pipe, member, _after(now, task.timeout_seconds))
        if task.heartbeat_seconds:
            ident = f"{task.token}/{task.heartbeat_seconds}"
            member = dispatch.timer_member("heartbeat", execution, run_id, ident)
            dispatch.add_timer(pipe, member, _after(now, task.heartbeat_seconds))

    def _finish(
        self, pipe: Pipeline, execution: str, meta: dict[str, str], end: Finish, now: datetime
    ) -> None:
        fields = {"status": end.status, "stopDate": iso(now)}
        if end.status == "SUCCEEDED":
            fields["output"] = dumps(end.output)
        if end.error is not None:
            fields["error"] = end.error
        if end.cause is not None:
            fields["cause"] = end.cause
        pipe.hset(keys.meta(execution), mapping=fields)
        started = float(meta["startEpoch"])
        pipe.zrem(keys.by_status(RUNNING), execution)
        pipe.zadd(keys.by_status(end.status), {execution: started})
        pipe.rpush(keys.done(execution), end.status)

    def _reopen(self, pipe: Pipeline, execution: str, meta: dict[str, str], now: datetime) -> None:
        count = int(meta.get("redriveCount", "0")) + 1
        pipe.hset(
            keys.meta(execution),
            mapping={"status": RUNNING, "redriveCount": count, "redriveDate": iso(now)},
        )
        pipe.hdel(keys.meta(execution), "stopDate", "output", "error", "cause")
        pipe.zrem(keys.by_status(meta["status"]), execution)
        pipe.zadd(keys.by_status(RUNNING), {execution: float(meta["startEpoch"])})
        pipe.delete(keys.done(execution))


def _open_execution(pipe: Pipeline, execution: str, meta: dict[str, str]) -> None:
    started = float(meta["startEpoch"])
    pipe.hset(keys.meta(execution), mapping=meta)
    pipe.zadd(keys.EXECUTIONS, {execution: started})
    pipe.zadd(keys.by_state_machine(meta["stateMachineName"]), {execution: started})
    pipe.zadd(keys.by_status(RUNNING), {execution: started})


def _after(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)
