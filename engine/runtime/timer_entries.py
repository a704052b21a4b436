"""Timer entries: what a member of the timers sorted set asks for, as typed records.

Every timer (a Wait or retry, a Task's timeout, a heartbeat check, a worker's lease, a group's
join, a job's watch, a finished execution's expiry) is one JSON member of `keys.TIMERS`, due at
its score. `encode` and `decode` are the one place that knows that JSON: short keys, sorted, so
the same entry is always the same member (it is found again to be removed), and members written
by earlier versions decode the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class StateTimer:
    """A timer the core started (`StartTimer`: Wait, retry, yield, execution timeout, a Task's
    TimeoutSeconds and HeartbeatSeconds); starting the same `timer_id` again moves it."""

    kind: ClassVar[str] = "timer"
    execution: str
    run: str
    timer_id: str


@dataclass(frozen=True)
class TaskTimeout:
    """A Task's TimeoutSeconds as versions before the core's task timers wrote it (still read
    and fired, for members written before an upgrade)."""

    kind: ClassVar[str] = "timeout"
    execution: str
    run: str
    token: str


@dataclass(frozen=True)
class HeartbeatCheck:
    """A Task's HeartbeatSeconds check as versions before the core's task timers wrote it
    (still read, for members written before an upgrade); `deadline` told re-armed checks
    apart."""

    kind: ClassVar[str] = "heartbeat"
    execution: str
    run: str
    token: str
    seconds: float
    deadline: float | None = None


@dataclass(frozen=True)
class LeaseExpiry:
    """A worker's lease on one delivery of a Task attempt, pushed forward while it lives."""

    kind: ClassVar[str] = "lease"
    execution: str
    run: str
    token: str
    delivery: int


@dataclass(frozen=True)
class GroupJoin:
    """A group's join, should the process that was to join it die; `recheck` names a one-off
    later check (empty: the group's own join timer)."""

    kind: ClassVar[str] = "join"
    execution: str
    group: str
    recheck: str = ""


@dataclass(frozen=True)
class RetentionExpiry:
    """A finished execution's end of retention."""

    kind: ClassVar[str] = "expire"
    execution: str


@dataclass(frozen=True)
class JobWatch:
    """An RQ job's watch: `stuck` counts checks that saw it neither waiting nor done, `check`
    counts re-arms (each a member of its own)."""

    kind: ClassVar[str] = "job"
    execution: str
    queue: str
    job_id: str
    stuck: int = 0
    check: int = 0


TimerEntry = (
    StateTimer | TaskTimeout | HeartbeatCheck | LeaseExpiry | GroupJoin | RetentionExpiry | JobWatch
)
ROOT_RUN = "root"  # the run a retention entry names


def encode(entry: TimerEntry) -> str:
    """The member of `keys.TIMERS` for `entry`."""
    if isinstance(entry, JobWatch):
        fields: dict[str, Any] = {"q": entry.queue, "id": entry.job_id}
        fields |= {"n": entry.stuck, "c": entry.check}
        return _dump(entry.kind, entry.execution, fields)
    run, ident = _run_and_ident(entry)
    return _dump(entry.kind, entry.execution, {"r": run, "id": ident})


def decode(member: bytes | str) -> TimerEntry:
    """The entry a member of `keys.TIMERS` holds; ValueError for one sfn does not know."""
    fields = json.loads(member)
    kind, execution = fields.get("k"), fields.get("e")
    if kind == JobWatch.kind:
        return JobWatch(execution, fields["q"], fields["id"], fields["n"], fields["c"])
    run, ident = fields.get("r"), fields.get("id")
    if kind == StateTimer.kind:
        return StateTimer(execution, run, ident)
    if kind == TaskTimeout.kind:
        return TaskTimeout(execution, run, ident)
    if kind == HeartbeatCheck.kind:
        token, seconds, *deadline = ident.split("/")
        return HeartbeatCheck(execution, run, token, float(seconds), *map(float, deadline))
    if kind == LeaseExpiry.kind:
        token, _, delivery = ident.rpartition("/")
        return LeaseExpiry(execution, run, token, int(delivery))
    if kind == GroupJoin.kind:
        return GroupJoin(execution, run, ident)
    if kind == RetentionExpiry.kind:
        return RetentionExpiry(execution)
    raise ValueError(f"unknown timer entry kind {kind!r}")


def _run_and_ident(entry: TimerEntry) -> tuple[str, str]:
    """The `r` and `id` fields of the member: which run, and what in it."""
    match entry:
        case StateTimer():
            return entry.run, entry.timer_id
        case TaskTimeout():
            return entry.run, entry.token
        case HeartbeatCheck(deadline=None):
            return entry.run, f"{entry.token}/{entry.seconds:g}"
        case HeartbeatCheck():
            return entry.run, f"{entry.token}/{entry.seconds:g}/{entry.deadline}"
        case LeaseExpiry():
            return entry.run, f"{entry.token}/{entry.delivery}"
        case GroupJoin():
            return entry.group, entry.recheck
        case RetentionExpiry():
            return ROOT_RUN, ""
    raise TypeError(f"not a timer entry: {entry!r}")


def _dump(kind: str, execution: str, fields: dict[str, Any]) -> str:
    return json.dumps({"k": kind, "e": execution, **fields}, sort_keys=True)
