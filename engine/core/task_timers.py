"""A Task's TimeoutSeconds and HeartbeatSeconds as timers of the core, like the execution's.

TimeoutSeconds is armed when the Task is scheduled. HeartbeatSeconds is armed when the attempt
starts, which the shell reports as the first `TaskHeartbeat` (a task still queued is not late),
and every later heartbeat moves the same timer on. Both are cancelled when the attempt ends. A
shell only stores and fires them (`StartTimer` / `CancelTimer`, then `TimerFired`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.core.effects import CancelTimer, StartTimer, TimerKind
from engine.core.errors import HEARTBEAT_TIMEOUT, TIMEOUT
from engine.core.run import Run

Json = Any
# The awaited record's field holding each timer's seconds, and the error its firing raises.
_TIMERS = (
    (TimerKind.TASK_TIMEOUT, "timeout", TIMEOUT),
    (TimerKind.HEARTBEAT, "heartbeat", HEARTBEAT_TIMEOUT),
)


def timer_id(kind: TimerKind, current: Json, awaited: Json = None) -> str:
    """The id of an attempt's timer: one per state entry, attempt, kind and, once a silent
    poller's attempt was handed over under a new token, per handover (`awaited`'s count)."""
    handed = (awaited or {}).get("handovers")
    base = f"{kind}/{current['entered_event']}/{current['retry_count']}"
    return f"{base}/{handed}" if handed else base


def limits(timeout: int | None, heartbeat: int | None) -> dict[str, int]:
    """What the awaited record keeps to re-arm and recognise the attempt's timers."""
    kept = {"timeout": timeout, "heartbeat": heartbeat}
    return {field: seconds for field, seconds in kept.items() if seconds}


def arm_timeout(run: Run, timeout: int | None) -> None:
    """At scheduling: the attempt's TimeoutSeconds starts."""
    if timeout:
        _start(run, TimerKind.TASK_TIMEOUT, timeout)


def handed_over(run: Run) -> None:
    """The attempt now awaited under a new token gets a TimeoutSeconds of its own; its
    HeartbeatSeconds starts when a poller or worker takes it (the old token's timers end
    with the old token, `cancel_ended`)."""
    awaited = run.snapshot["awaiting"]
    arm_timeout(run, awaited.get("timeout"))


def clock(snapshot: Json, fired: str) -> TimerKind | None:
    """Which clock of the attempt `snapshot` awaits the timer `fired` is (None: no timer of
    that attempt, a stale one)."""
    awaited = snapshot.get("awaiting") or {}
    if awaited.get("kind") != "task":
        return None
    for kind, field, _ in _TIMERS:
        if awaited.get(field) and fired == timer_id(kind, snapshot["current"], awaited):
            return kind
    return None


def beat(run: Run, awaited: Json) -> bool:
    """A heartbeat of the awaited attempt (the first: it started): its HeartbeatSeconds timer
    starts again from now. False when the Task has no HeartbeatSeconds."""
    seconds = awaited.get("heartbeat")
    if not seconds:
        return False
    _start(run, TimerKind.HEARTBEAT, seconds)
    return True


def expired(run: Run, fired: str) -> str | None:
    """The error the timer `fired` fails the awaited attempt with (States.Timeout or
    States.HeartbeatTimeout); None when it is no timer of that attempt (a stale one)."""
    kind = clock(run.snapshot, fired)
    return next((error for each, _, error in _TIMERS if each == kind), None)


def cancel_ended(run: Run, before: Json) -> None:
    """Cancel the timers of the attempt the snapshot `before` awaited, if this step ended it
    (a result, a timeout, a Stop, the execution's timeout)."""
    awaited = before["awaiting"]
    if not awaited or awaited["kind"] != "task":
        return
    if run.awaiting("task", "token", awaited["token"]) is not None:
        return
    for kind, field, _ in _TIMERS:
        if awaited.get(field):
            run.effect(CancelTimer(timer_id(kind, before["current"], awaited)))


def _start(run: Run, kind: TimerKind, seconds: int) -> None:
    at = run.env.now() + timedelta(seconds=seconds)
    run.effect(StartTimer(timer_id(kind, run.current, run.snapshot.get("awaiting")), at, kind))
