"""One atomic commit per step: read a run, let the interpreter decide, write it all or nothing.

`Committer.commit(request)` reads what a step needs in one pipelined round trip (the
execution's status, the run's record, its group's join record), calls the pure `advance`, then
writes in one guarded Lua call (`engine.runtime.guarded`): the request's own writes
(`REQUEST_WRITERS`), the new snapshot, its history events and every effect through its writer
(`EFFECT_WRITERS`: RQ jobs, timers, child groups, the end). The write happens only if the
execution's status, the run's version and its group are still what was read; else the step
is re-read and re-decided: a stale or concurrent writer never overwrites. A commit returns what
happened as data (`CommitResult`: committed or stale, the child ends it recorded, a Task this
worker claimed); it never calls up into the joins and handlers that act on it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis

from engine.buckets.storage import BucketStorage
from engine.core import joins
from engine.core.context import iso
from engine.core.effects import CancelTimer, Finish, RunTask, StartChildren, StartTimer
from engine.core.env import ExecutionEnv
from engine.core.interpreter import advance
from engine.core.run import Step
from engine.core.triggers import Start, Trigger
from engine.runtime import config as settings
from engine.runtime import (
    counters,
    dispatch,
    eager,
    executions,
    groups,
    keys,
    retention,
    scheduling,
)
from engine.runtime.config import RuntimeConfig
from engine.runtime.group_records import ChildSpec, GroupRecord, read_specs
from engine.runtime.guarded import GuardedWrite
from engine.runtime.requests import (
    BatchRequest,
    RedeliveryRequest,
    RedriveRequest,
    Request,
    StartRequest,
    StopRequest,
    TaskResultRequest,
)
from engine.runtime.store import (
    ROOT,
    RUNNING,
    STEP_FIELDS,
    Reads,
    Run,
    Store,
    child_run_id,
    dumps,
    group_of,
    state_machine_of,
)
from engine.runtime.system import ExecutionInputs, Machines, SystemEnv
from engine.runtime.timer_entries import StateTimer, encode

Json = Any


@dataclass(frozen=True)
class Decision:
    """What one step decided, ready to be written (built by `Committer.step` only)."""

    execution: str
    meta: dict[str, str]
    run: Run  # with the step's new snapshot
    step: Step
    before: Json  # the snapshot the step started from (None for a new run)
    record: str | None  # the run record to write (None: an ended child's goes)
    inline: bool  # its events go to the execution's history (not a Distributed Map's)
    existed: bool = False  # its run record existed before
    reads: Reads | None = None  # what the step was decided on


@dataclass(frozen=True)
class ChildEnded:
    """A child end a commit recorded, with its group's counts after the commit: the join
    record read (`groups.Finished`) and how many children have finished and failed."""

    group: str
    record: GroupRecord
    finished: int
    failed: int


@dataclass(frozen=True)
class Claimed:
    """A Task attempt the committing worker claimed (`eager`): its job payload, and what the
    commit wrote, for its result to be committed on."""

    job: dict[str, Json]
    reads: Reads


@dataclass(frozen=True)
class CommitResult:
    """What a commit did: written or stale (nothing written), the child ends it recorded (each
    may call for a join), the Task it claimed for this worker to run next, and how many
    children a batch started (a batch's own child ends are its joining caller's to count)."""

    committed: bool
    ended: tuple[ChildEnded, ...] = ()
    claimed: Claimed | None = None
    started: int = 0


STALE = CommitResult(committed=False)


@dataclass(frozen=True)
class Written:
    """What writing a step leaves to report: child ends (their counts are among the
    commit's replies) and the job of a Task claimed for this worker."""

    ends: tuple[groups.Finished, ...] = ()
    claimed: dict[str, Json] | None = None

    def __add__(self, other: Written) -> Written:
        return Written(self.ends + other.ends, self.claimed or other.claimed)


NOTHING = Written()


@dataclass(frozen=True)
class Writing:
    """One step being written: the guarded write, the decision, the time, and the worker's
    chain while it may still claim a Task (at most one per commit)."""

    write: GuardedWrite
    decision: Decision
    now: datetime
    chain: eager.Chain | None


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

    def commit(self, request: Request | BatchRequest) -> CommitResult:
        """Apply `request.trigger` to its run and commit, with the request's own writes (a
        batch: its children's first steps)."""
        if isinstance(request, BatchRequest):
            return self._commit_batch(request)
        given = request.reads
        while True:
            reads = given or self._read(request.execution, request.run, request.delivers)
            given = None
            decision = self._decide(request, reads)
            if decision is None:
                return STALE
            write = GuardedWrite(self.redis)
            _guard(write, request, reads, decision)
            now = self.env.now()
            # The request's own writes come first: an opened execution's record before an end
            # that updates it, a redrive's PERSISTs before an end that may expire keys again.
            own = REQUEST_WRITERS.get(type(request))
            if own is not None:
                own(self, write, request, decision, now)
            written = self.write(write, decision, request.chain, now)
            if request.delivers:
                # After the step's writes: a failed end first keeps the group's results.
                assert reads.delivered is not None  # else the request was stale
                records = groups.child_records(reads.delivered)
                closed = request.delivers
                groups.close_group(write.pipe, request.execution, closed, records, reads.live)
            replies = write.commit()
            if replies is not None:
                return _result(written, replies, reads, decision)

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
        result can be committed on these reads (`TaskResultRequest.reads`)."""
        reads = self._read(execution, run_id, None, also)
        run = reads.run(run_id)
        if reads.meta.get("status") != RUNNING or run is None or not run.awaits_task(token):
            return None
        if group_of(run_id) and reads.group is None:
            return None
        return reads

    def step(
        self,
        execution: str,
        meta: dict[str, str],
        run: Run,
        trigger: Trigger,
        reads: Reads | None = None,
    ) -> Decision:
        """Run the interpreter for one run of `execution` (no I/O but a cached input read, and
        a Distributed Map's buckets: its ItemReader and ResultWriter)."""
        machine = self.machines.find(meta["definition"], run.machine_path)
        # Child runs read the execution's input through the env, only when they need it.
        env = ExecutionEnv(
            self.env, lambda: self.inputs.get(execution, meta["startEpoch"]), self.storage
        )
        step = advance(machine, run.snapshot, trigger, env)
        after = Run(run.id, run.machine_path, run.group, run.index, step.snapshot)
        end = next((e for e in step.effects if isinstance(e, Finish)), None)
        ends_child = run.group is not None and end is not None
        return Decision(
            execution,
            meta,
            after,
            step,
            before=run.snapshot,
            record=None if ends_child else after.dump(_printed_output(end, step.snapshot)),
            # Distributed Map iterations are executions of their own, outside this history.
            inline=machine.mode != "DISTRIBUTED" or not run.group,
            existed=reads is not None and reads.raw_run is not None,
            reads=reads,
        )

    def write(
        self,
        write: GuardedWrite,
        decision: Decision,
        chain: eager.Chain | None = None,
        now: datetime | None = None,
    ) -> Written:
        """Record a decided step's writes (run record, events, effects) on `write`."""
        execution, run, step = decision.execution, decision.run, decision.step
        pipe, now = write.pipe, now or self.env.now()
        if step.snapshot is not decision.before:  # else a heartbeat's step: a timer moved
            _write_record(write, decision)
        if step.events:
            self._write_events(write, decision, now)
        resolved = _awaited_token(decision.before)
        if resolved and resolved != _awaited_token(step.snapshot):
            groups.forget_token(pipe, execution, resolved, tracked=run.id != ROOT)
        written = NOTHING
        for effect in step.effects:
            writing = Writing(write, decision, now, None if written.claimed else chain)
            written += EFFECT_WRITERS[type(effect)](self, writing, effect)
        return written

    def _write_events(self, write: GuardedWrite, decision: Decision, now: datetime) -> None:
        execution, run_id, events = decision.execution, decision.run.id, decision.step.events
        head = _event_head(now)
        lines = [head + dumps(event)[1:] for event in events]
        inline = decision.inline
        write.push(
            keys.history(execution) if inline else keys.run_history(execution, run_id), lines
        )
        entered = sum(1 for event in events if "stateEnteredEventDetails" in event)
        if entered:
            counters.transitions(write, state_machine_of(execution), entered)
        if not inline and not decision.existed:
            retention.track_run_history(write.pipe, execution, run_id)

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
        own = GroupRecord.decode(rest.pop(0)) if group else None
        delivered = GroupRecord.decode(rest.pop(0)) if deliver_group else None
        live = _text(rest.pop(0)) if run_id == ROOT else {}
        return Reads(meta, raw_run, own, delivered, live)

    def _decide(self, request: Request, reads: Reads) -> Decision | None:
        """The step, or None when the request is stale: the execution is not in a status the
        request applies in, the run (or the execution it opens) does or does not exist as
        the request expects, or the group involved already ended."""
        opens = request.opens
        if bool(reads.meta) == bool(opens):
            return None
        meta = reads.meta or dict(opens or {})
        if meta.get("status") not in request.statuses:
            return None
        run = reads.run(request.run)
        if (run is None) != bool(opens):
            return None
        run = run or Run(request.run)
        if run.group and reads.group is None:
            return None  # the group already ended (a sibling failed): this child is abandoned
        if request.delivers and reads.delivered is None:
            return None
        decision = self.step(request.execution, meta, run, request.trigger, reads)
        step = decision.step
        unchanged = not step.events and not step.effects and step.snapshot == decision.before
        return None if unchanged and not opens else decision

    # A batch: a group's next children, their first steps in one commit ---------------------

    def _commit_batch(self, request: BatchRequest) -> CommitResult:
        """Start children of `request.group` in one commit guarded by its `started` count (and
        the execution running, the group open); stale when another join started them first."""
        execution, group_key = request.execution, keys.group(request.execution, request.group)
        decisions = self._decide_batch(request)
        write = GuardedWrite(self.redis)
        write.field_is(keys.meta(execution), "status", RUNNING)
        write.field_is(group_key, "started", str(request.record.started))
        write.field_is(group_key, "delivered", "0")
        now = self.env.now()
        REQUEST_WRITERS[BatchRequest](self, write, request, decisions, now)
        for decision in decisions:
            self.write(write, decision, None, now)
        if write.commit() is None:
            return STALE
        return CommitResult(True, started=len(decisions))

    def _decide_batch(self, request: BatchRequest) -> list[Decision]:
        """Each child's first step, in index order, while the core says a slot is free (a
        child that ends in its first step frees its own); a child whose failure exceeds the
        tolerance ends the batch: no child after it starts."""
        record, specs = request.record, list(request.specs)
        limits, meta = record.limits, dict(request.meta)
        reads = Reads(meta, None, record, None, {})  # what each child's first step reads
        decisions: list[Decision] = []
        ended, failed = 0, record.failed
        while len(decisions) < len(specs) and joins.free_slots(
            limits, record.started + len(decisions), record.finished + ended
        ):
            spec = specs[len(decisions)]
            run_id = child_run_id(request.group, spec.index)
            run = Run(run_id, spec.machine_path, request.group, spec.index)
            trigger = Start(spec.input, spec.context)
            decision = self.step(request.execution, meta, run, trigger, reads)
            decisions.append(decision)
            ends = [e for e in decision.step.effects if isinstance(e, Finish)]
            ended += bool(ends)
            failed += sum(e.status != "SUCCEEDED" for e in ends)
            if joins.group_failed(limits, failed):
                break
            if len(decisions) == len(specs) and limits.max_concurrency:
                specs += self._more(request, len(decisions), ended)
        return decisions

    def _more(self, request: BatchRequest, count: int, ended: int) -> list[ChildSpec]:
        """The specs of the children a batch with a MaxConcurrency may start after its first
        `count`, of which `ended` ended in their first step (each freed its slot again): when
        all did, as many as one commit takes (`groups.BATCH`; the batch stops at the limit
        should the next ones not end), else as many as there is room for."""
        record = request.record
        limits = record.limits
        started, finished = record.started + count, record.finished + ended
        room = min(limits.total - started, groups.BATCH - count)
        if ended < count:
            room = min(room, joins.free_slots(limits, started, finished))
        if room <= 0:
            return []
        positions = list(range(started, started + room))
        return read_specs(self.redis, request.execution, request.group, positions)

    # Request writers: what a kind of request writes besides its step -------------------------

    def _open(
        self, write: GuardedWrite, request: StartRequest, decision: Decision, now: datetime
    ) -> None:
        executions.open_execution(write.pipe, request.execution, dict(request.meta))
        self.store.put_definition(write.pipe, request.digest, request.definition)

    def _end_attempt(
        self, write: GuardedWrite, request: TaskResultRequest, decision: Decision, now: datetime
    ) -> None:
        if request.held:
            write.pipe.zrem(keys.TIMERS, *request.held)
        if request.seconds is not None:
            machine = state_machine_of(request.execution)
            counters.task_seconds(write.pipe, machine, request.seconds)

    def _send_again(
        self, write: GuardedWrite, request: RedeliveryRequest, decision: Decision, now: datetime
    ) -> None:
        executions.count_redelivery(write.pipe, request.execution, now)
        sent, new_token = request.trigger.delivery, request.trigger.new_token
        job = request.job if new_token is None else {**request.job, "token": new_token}
        scheduling.send_again(
            write.pipe,
            self.redis,
            self.config,
            job,
            sent,
            request.queue_name,
            request.description,
            new_token=new_token is not None,
        )

    def _reopen(
        self, write: GuardedWrite, request: RedriveRequest, decision: Decision, now: datetime
    ) -> None:
        retention.on_redrive(write.pipe, request.execution, request.runs)
        executions.reopen(write.pipe, request.execution, decision.meta, now)

    def _stop_children(
        self, write: GuardedWrite, request: StopRequest, decision: Decision, now: datetime
    ) -> None:
        job = {"execution": request.execution}
        dispatch.enqueue(write.pipe, self.redis, self.config, "stop_children", job)

    def _count_started(
        self, write: GuardedWrite, request: BatchRequest, started: list[Decision], now: datetime
    ) -> None:
        """A batch counts the children it started and pushes the group's join timer."""
        execution, group_id = request.execution, request.group
        write.add(keys.group(execution, group_id), "started", len(started))
        groups.push_join_timer(write, self.config, execution, group_id)

    # Effect writers: what each effect adds to the commit -------------------------------------

    def _run_task(self, writing: Writing, task: RunTask) -> Written:
        decision = writing.decision
        claimed = scheduling.schedule(
            writing.write.pipe,
            self.redis,
            self.config,
            decision.execution,
            decision.run.id,
            task,
            writing.chain,
        )
        return NOTHING if claimed is None else Written(claimed=claimed)

    def _start_timer(self, writing: Writing, timer: StartTimer) -> Written:
        """Every timer of the core, whatever its kind: one member per timer id, so starting
        it again moves it (a heartbeat)."""
        decision, write = writing.decision, writing.write
        member = encode(StateTimer(decision.execution, decision.run.id, timer.timer_id))
        dispatch.add_timer(write.pipe, member, timer.at)
        soon = (timer.at - writing.now).total_seconds() < self.config.timer_poll
        if soon and write.first("wake"):  # a yield (due now), a short Wait or retry
            dispatch.wake_pollers(write.pipe)
        return NOTHING

    def _cancel_timer(self, writing: Writing, timer: CancelTimer) -> Written:
        decision = writing.decision
        member = encode(StateTimer(decision.execution, decision.run.id, timer.timer_id))
        writing.write.pipe.zrem(keys.TIMERS, member)
        return NOTHING

    def _start_children(self, writing: Writing, children: StartChildren) -> Written:
        execution, parent = writing.decision.execution, writing.decision.run.id
        groups.open_group(writing.write.pipe, self.redis, self.config, execution, parent, children)
        return NOTHING

    def _finish(self, writing: Writing, end: Finish) -> Written:
        decision = writing.decision
        reads = decision.reads
        if decision.run.id == ROOT:
            live = reads.live if reads else {}
            pipe, meta = writing.write.pipe, decision.meta
            executions.finish(
                pipe, self.redis, self.config, decision.execution, meta, live, end, writing.now
            )
            return NOTHING
        record = reads.group if reads else None
        assert record is not None  # a child steps only while its group is open (`_decide`)
        execution, run = decision.execution, decision.run
        ended = groups.child_finished(writing.write, self.config, execution, run, end, record)
        return Written(ends=(ended,))


# Request kind -> its own writes, recorded before its step's (a plain step has none; a
# batch's are given its children's steps).
REQUEST_WRITERS: dict[type, Callable[..., None]] = {
    BatchRequest: Committer._count_started,
    StartRequest: Committer._open,
    TaskResultRequest: Committer._end_attempt,
    RedeliveryRequest: Committer._send_again,
    RedriveRequest: Committer._reopen,
    StopRequest: Committer._stop_children,
}

# Effect kind -> the writer that adds it to the commit.
EFFECT_WRITERS: dict[type, Callable[[Committer, Writing, Any], Written]] = {
    RunTask: Committer._run_task,
    StartTimer: Committer._start_timer,
    CancelTimer: Committer._cancel_timer,
    StartChildren: Committer._start_children,
    Finish: Committer._finish,
}


def _result(
    written: Written, replies: dict[Any, Any], reads: Reads, decision: Decision
) -> CommitResult:
    ended = tuple(
        ChildEnded(
            finished.group,
            finished.record,
            int(replies[finished.finished_reply]),
            int(replies[finished.failed_reply]),
        )
        for finished in written.ends
    )
    claimed = None
    if written.claimed is not None:
        claimed = Claimed(written.claimed, _reads_after(reads, decision))
    return CommitResult(True, ended, claimed)


def _guard(write: GuardedWrite, request: Request, reads: Reads, decision: Decision) -> None:
    """What must still hold for this step's write: as WATCH did, but checked in the write."""
    execution, run_id, delivers = request.execution, request.run, request.delivers
    write.field_is(keys.meta(execution), "status", reads.meta.get("status"))
    write.record_is(keys.run(execution, run_id), reads.raw_run)
    for group_id in (decision.run.group, delivers):
        if group_id:
            write.field_is(keys.group(execution, group_id), "delivered", "0")
    if delivers:
        # Which child records may exist depends on how many started (`child_records`).
        assert reads.delivered is not None
        write.field_is(keys.group(execution, delivers), "started", str(reads.delivered.started))
    if run_id == ROOT and any(isinstance(e, Finish) for e in decision.step.effects):
        # The end sweeps every open group and token: none may have appeared since the read.
        write.field_is(
            keys.live(execution), groups.LIVE_REVISION, reads.live.get(groups.LIVE_REVISION)
        )


def _write_record(write: GuardedWrite, decision: Decision) -> None:
    """The run's record as the step left it; an ended child's record serves no one."""
    key = keys.run(decision.execution, decision.run.id)
    if decision.record is not None:
        write.pipe.set(key, decision.record)
    elif decision.existed:
        write.pipe.unlink(key)


def _reads_after(reads: Reads, decision: Decision) -> Reads:
    """What the step after a committed `decision` would read, as far as this process knows:
    the record it wrote. Anything else changed since is caught by that step's guards."""
    if decision.record is None:
        return Reads(decision.meta, None, reads.group, None, reads.live)
    raw = decision.record.encode()
    return Reads(decision.meta, raw, reads.group, None, reads.live, loaded=decision.run)


@functools.lru_cache(maxsize=1)  # a batch's children share their commit's time
def _event_head(now: datetime) -> str:
    """The start of a history line: its timestamp comes first, as AWS lists it, spliced in
    front of each encoded event."""
    return '{"timestamp":' + dumps(iso(now)) + ","


def _printed_output(end: Finish | None, snapshot: Json) -> str | None:
    """The ended run's output as the history printed it, when its snapshot holds that very
    output (its record splices the text in, not encoding the output a third time)."""
    if end is None or end.encoded is None or snapshot.get("output") is not end.output:
        return None
    return end.encoded


def _awaited_token(snapshot: Json) -> str | None:
    awaited = (snapshot or {}).get("awaiting") or {}
    return awaited.get("token") if awaited.get("kind") == "task" else None


def _text(raw: dict[bytes, bytes]) -> dict[str, str]:
    return {key.decode(): value.decode() for key, value in raw.items()}
