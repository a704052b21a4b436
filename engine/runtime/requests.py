"""What a commit is asked to do: one typed record per kind of step (`Committer.commit`).

Every request names an execution, one of its runs and the trigger to apply; the kinds differ
in what their commit writes besides the step (opening the execution, ending an attempt's
lease, sending a lost attempt again, stopping nested executions, reopening for a redrive,
closing a delivered group). The attributes of `Request` are the defaults a kind that has
nothing of the sort keeps. One kind is many steps: a `BatchRequest` starts a group's next
children (each one's first step) in one commit. What the commit did comes back as
`commit.CommitResult`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from engine.core.triggers import (
    ChildFailed,
    ChildrenDone,
    Redrive,
    Start,
    Stop,
    TaskFailed,
    TaskHeartbeat,
    TaskRedelivered,
    TaskSucceeded,
    Trigger,
)
from engine.runtime.eager import Chain
from engine.runtime.group_records import ChildSpec, GroupRecord
from engine.runtime.store import REDRIVABLE, ROOT, RUNNING, Reads

Json = Any


class Request:
    """What every request has; the kinds below are frozen dataclasses."""

    execution: str
    run: str
    trigger: Trigger
    # The execution statuses the step applies in (else the request is stale).
    statuses: ClassVar[tuple[str, ...]] = (RUNNING,)
    opens: Mapping[str, str] | None = None  # a new execution's description (StartRequest)
    delivers: str | None = None  # the child group whose outcome this delivers (JoinRequest)
    chain: Chain | None = None  # the worker's, if it may run a scheduled Task itself
    reads: Reads | None = None  # what an earlier trip read for this step


@dataclass(frozen=True)
class StepRequest(Request):
    """A trigger for a run that exists and nothing else to write: a timer falling due (Wait,
    retry, a Task's TimeoutSeconds or HeartbeatSeconds check)."""

    execution: str
    run: str
    trigger: Trigger


@dataclass(frozen=True)
class StopRequest(Request):
    """StopExecution: the commit that stops the execution also enqueues the stop of the
    nested executions its Tasks wait for (`nested.stop_children`)."""

    execution: str
    trigger: Stop
    run: str = ROOT


@dataclass(frozen=True)
class StartRequest(Request):
    """Open the execution described by `meta` and start its root run; the definition it runs
    (`digest`) is stored in the same commit. Stale when the execution exists."""

    execution: str
    trigger: Start
    meta: Mapping[str, str]
    digest: str
    definition: Json
    run: str = ROOT

    @property
    def opens(self) -> Mapping[str, str]:
        return self.meta

    @property
    def reads(self) -> Reads:
        """Nothing, unread: a new execution has no records yet, and its commit is guarded on
        that (a name in use makes it stale; the retry then reads what is there)."""
        return Reads({}, None, None, None, {})


@dataclass(frozen=True)
class TaskResultRequest(Request):
    """A Task attempt's result: from the worker that ran it, send-task-success/failure, a
    nested execution's end (`.sync`), or a lost worker's `Sfn.WorkerLost`.
    The timer members the attempt held (its lease, its job watch) end with it; `seconds`, its
    run time, goes to /metrics. With the worker's `chain`, a Task the step schedules may be
    claimed by that worker (`CommitResult.claimed`)."""

    execution: str
    run: str
    trigger: TaskSucceeded | TaskFailed
    held: tuple[str, ...] = ()
    seconds: float | None = None
    chain: Chain | None = None
    reads: Reads | None = None


@dataclass(frozen=True)
class HeartbeatRequest(Request):
    """A Task attempt's heartbeat (the first: the attempt started): the core moves its
    HeartbeatSeconds timer, the run record stays. With the `reads` of the worker's start trip
    it costs one round trip, and the attempt's result still commits on those reads."""

    execution: str
    run: str
    trigger: TaskHeartbeat
    reads: Reads | None = None


@dataclass(frozen=True)
class JoinRequest(Request):
    """Deliver child group `group`'s outcome to its parent run, closing the group (its records
    go) in the same commit, so the parent hears from it once."""

    execution: str
    run: str
    trigger: ChildrenDone | ChildFailed
    group: str

    @property
    def delivers(self) -> str:
        return self.group


@dataclass(frozen=True)
class BatchRequest:
    """Start the next children of child group `group` (a join's batch): each child's first
    step, in one commit guarded by the group's `started` count, so two racing joins start each
    child once. `record` and `meta` (the execution's step fields) are what the join read,
    `specs` the children from position `record.started` on that it read with them (more than
    the free slots when the last batch's children ended at once); while children end in their
    first step (each frees its slot) the commit starts the next and reads more if need be."""

    execution: str
    group: str
    record: GroupRecord
    meta: Mapping[str, str]
    specs: tuple[ChildSpec, ...]


@dataclass(frozen=True)
class RedeliveryRequest(Request):
    """Send a lost Task attempt again: the step records the delivery, the commit enqueues it
    (`job`, the attempt's payload, on `queue_name`) and counts it for the execution."""

    execution: str
    run: str
    trigger: TaskRedelivered
    job: Mapping[str, Json]
    queue_name: str
    description: str


@dataclass(frozen=True)
class RedriveRequest(Request):
    """Reopen an execution that ended unsuccessfully; its run histories (`runs`) and every
    kept key stop expiring in the same commit."""

    statuses: ClassVar[tuple[str, ...]] = REDRIVABLE

    execution: str
    trigger: Redrive
    runs: tuple[str, ...]
    run: str = ROOT
