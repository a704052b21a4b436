"""A Task's TimeoutSeconds and HeartbeatSeconds are timers of the core: armed, moved by
heartbeats and cancelled by its steps; their firing is the core's decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.core import advance
from engine.core.effects import CancelTimer, Finish, RunTask, StartTimer, TimerKind
from engine.core.triggers import (
    Start,
    Stop,
    TaskFailed,
    TaskHeartbeat,
    TaskRedelivered,
    TaskSucceeded,
    TimerFired,
)
from engine.definition.compiler import compile_machine
from engine.testing import VirtualEnv

T0 = datetime(2024, 1, 1, tzinfo=UTC)
TASK = {"Type": "Task", "Resource": "work", "End": True}


def machine(states: dict, start: str | None = None) -> object:
    return compile_machine({"StartAt": start or next(iter(states)), "States": states})


def only(effects: list, kind: type) -> object:
    (found,) = [effect for effect in effects if isinstance(effect, kind)]
    return found


def timers(step, kind: TimerKind) -> list[StartTimer]:
    return [e for e in step.effects if isinstance(e, StartTimer) and e.kind == kind]


def test_timeout_seconds_is_armed_at_scheduling_and_its_firing_fails_with_states_timeout():
    m = machine({"T": {**TASK, "TimeoutSeconds": 5}})
    env = VirtualEnv(T0, seed=7)
    step = advance(m, None, Start({}), env)
    (timeout,) = timers(step, TimerKind.TASK_TIMEOUT)
    assert timeout.at == T0 + timedelta(seconds=5)
    env.clock = timeout.at
    fired = advance(m, step.snapshot, TimerFired(timeout.timer_id), env)
    assert only(fired.effects, Finish) == Finish("FAILED", error="States.Timeout")
    assert [e["type"] for e in fired.events][:1] == ["TaskTimedOut"]


def test_a_result_cancels_the_timers_and_a_late_firing_is_stale():
    m = machine({"T": {**TASK, "TimeoutSeconds": 5, "HeartbeatSeconds": 2}})
    env = VirtualEnv(T0, seed=7)
    step = advance(m, None, Start({}), env)
    token = only(step.effects, RunTask).token
    (timeout,) = timers(step, TimerKind.TASK_TIMEOUT)
    done = advance(m, step.snapshot, TaskSucceeded(token, {"ok": 1}), env)
    cancelled = {e.timer_id for e in done.effects if isinstance(e, CancelTimer)}
    heartbeat = timeout.timer_id.replace("task-timeout", "heartbeat")
    assert cancelled == {timeout.timer_id, heartbeat}
    assert only(done.effects, Finish).status == "SUCCEEDED"
    late = advance(m, done.snapshot, TimerFired(timeout.timer_id), env)
    assert (late.events, late.effects, late.snapshot) == ([], [], done.snapshot)


def test_heartbeat_seconds_starts_with_the_first_beat_and_each_beat_moves_it():
    m = machine({"T": {**TASK, "HeartbeatSeconds": 2}})
    env = VirtualEnv(T0, seed=7)
    step = advance(m, None, Start({}), env)
    assert timers(step, TimerKind.HEARTBEAT) == []  # queued is not late: no clock yet
    token = only(step.effects, RunTask).token
    first = advance(m, step.snapshot, TaskHeartbeat(token), env)
    (armed,) = timers(first, TimerKind.HEARTBEAT)
    assert armed.at == T0 + timedelta(seconds=2)
    # A beat changes nothing in the run: same snapshot, same version, no events.
    assert first.snapshot is step.snapshot and first.events == []
    env.clock = T0 + timedelta(seconds=1.5)
    second = advance(m, step.snapshot, TaskHeartbeat(token), env)
    (moved,) = timers(second, TimerKind.HEARTBEAT)
    assert (moved.timer_id, moved.at) == (armed.timer_id, T0 + timedelta(seconds=3.5))
    env.clock = moved.at
    fired = advance(m, step.snapshot, TimerFired(moved.timer_id), env)
    assert only(fired.effects, Finish) == Finish("FAILED", error="States.HeartbeatTimeout")


def test_a_beat_without_heartbeat_seconds_or_for_another_token_changes_nothing():
    m = machine({"T": {**TASK, "HeartbeatSeconds": 2}, "U": TASK}, start="U")
    env = VirtualEnv(T0, seed=7)
    step = advance(m, None, Start({}), env)
    token = only(step.effects, RunTask).token
    for beat in (TaskHeartbeat(token), TaskHeartbeat("someone-else")):
        unchanged = advance(m, step.snapshot, beat, env)
        assert (unchanged.events, unchanged.effects) == ([], [])


def test_a_retry_is_a_new_attempt_with_timers_of_its_own():
    retry = [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1}]
    m = machine({"T": {**TASK, "TimeoutSeconds": 5, "Retry": retry}})
    env = VirtualEnv(T0, seed=7)
    step = advance(m, None, Start({}), env)
    (first,) = timers(step, TimerKind.TASK_TIMEOUT)
    failed = advance(m, step.snapshot, TaskFailed(only(step.effects, RunTask).token, "Boom"), env)
    assert [e.timer_id for e in failed.effects if isinstance(e, CancelTimer)] == [first.timer_id]
    (backoff,) = timers(failed, TimerKind.RETRY)
    again = advance(m, failed.snapshot, TimerFired(backoff.timer_id), env)
    (second,) = timers(again, TimerKind.TASK_TIMEOUT)
    assert second.timer_id != first.timer_id
    stale = advance(m, again.snapshot, TimerFired(first.timer_id), env)
    assert (stale.events, stale.effects) == ([], [])


def test_a_stop_cancels_the_awaited_attempts_timers():
    m = machine({"T": {**TASK, "TimeoutSeconds": 5}})
    env = VirtualEnv(T0, seed=7)
    step = advance(m, None, Start({}), env)
    (timeout,) = timers(step, TimerKind.TASK_TIMEOUT)
    stopped = advance(m, step.snapshot, Stop(), env)
    assert only(stopped.effects, CancelTimer) == CancelTimer(timeout.timer_id)
    assert only(stopped.effects, Finish).status == "ABORTED"


def test_an_attempt_handed_over_under_a_new_token_has_clocks_of_its_own():
    """A silent API poller's attempt goes on under a new token: the old token's answers and
    timers are stale, the new delivery's TimeoutSeconds starts afresh and its HeartbeatSeconds
    at the next take; its lapse fails the attempt as before."""
    m = machine({"T": {**TASK, "TimeoutSeconds": 9, "HeartbeatSeconds": 2}})
    env = VirtualEnv(T0, seed=7)
    step = advance(m, None, Start({}), env)
    old = only(step.effects, RunTask).token
    env.clock = T0 + timedelta(seconds=1)
    taken = advance(m, step.snapshot, TaskHeartbeat(old), env)
    (beat,) = timers(taken, TimerKind.HEARTBEAT)
    env.clock = beat.at
    moved = advance(m, taken.snapshot, TaskRedelivered(old, 1, "new-token"), env)
    assert [e["type"] for e in moved.events] == ["TaskStarted"]
    assert moved.snapshot["awaiting"]["token"] == "new-token"
    (timeout,) = timers(moved, TimerKind.TASK_TIMEOUT)
    assert (timeout.at, timeout.timer_id) == (
        env.clock + timedelta(seconds=9),
        "task-timeout/2/0/1",
    )
    cancelled = {e.timer_id for e in moved.effects if isinstance(e, CancelTimer)}
    assert cancelled == {"task-timeout/2/0", beat.timer_id}
    for stale in (TaskSucceeded(old, {}), TimerFired(beat.timer_id), TaskRedelivered(old, 2, "x")):
        late = advance(m, moved.snapshot, stale, env)
        assert (late.events, late.effects) == ([], [])
    second = advance(m, moved.snapshot, TaskHeartbeat("new-token"), env)
    (beat2,) = timers(second, TimerKind.HEARTBEAT)
    assert beat2.timer_id == "heartbeat/2/0/1"
    fired = advance(m, second.snapshot, TimerFired(beat2.timer_id), env)
    assert only(fired.effects, Finish) == Finish("FAILED", error="States.HeartbeatTimeout")
