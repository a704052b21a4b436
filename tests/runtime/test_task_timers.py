"""A Task's TimeoutSeconds and HeartbeatSeconds in the durable runtime: the core's timers,
stored as one member each of `timers` and fired like every other; a heartbeat moves its member
and leaves the run record as it was."""

from __future__ import annotations

import time

from support.inspection import due_at, make_due, raw_run_record, timers

from engine import activities
from engine.core.effects import TimerKind
from engine.runtime.engine import Engine
from engine.runtime.store import ROOT
from engine.runtime.timer_entries import HeartbeatCheck, StateTimer, TaskTimeout
from engine.runtime.timers import fire_due

from .conftest import drain


@activities.activity("unit_timed")
def timed(task: dict) -> dict:
    return task


def task(**fields: object) -> dict:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "End": True, **fields}}}


def core_timers(engine: Engine, execution: str, kind: TimerKind) -> dict[str, float]:
    """The execution's timers of the core of `kind`: timer id -> due time."""
    return {
        entry.timer_id: due_at(engine.redis, entry)
        for entry in timers(engine.redis, execution)
        if isinstance(entry, StateTimer) and entry.timer_id.startswith(f"{kind}/")
    }


def token_of(engine: Engine, execution: str) -> str:
    return engine.store.run(execution, ROOT).snapshot["awaiting"]["token"]


def test_a_heartbeat_moves_one_timer_and_leaves_the_run_record_as_it_was(engine: Engine) -> None:
    callback = task(Resource="unit_timed.waitForTaskToken", HeartbeatSeconds=5)
    execution = engine.start_execution(callback, {})
    assert core_timers(engine, execution, TimerKind.HEARTBEAT) == {}  # queued: not late
    token = token_of(engine, execution)
    record = raw_run_record(engine.redis, execution, ROOT)
    engine.send_task_heartbeat(token)
    (first,) = core_timers(engine, execution, TimerKind.HEARTBEAT).items()
    time.sleep(0.01)
    engine.send_task_heartbeat(token)
    (second,) = core_timers(engine, execution, TimerKind.HEARTBEAT).items()
    assert second[0] == first[0] and second[1] > first[1]
    assert raw_run_record(engine.redis, execution, ROOT) == record
    assert fire_due(engine.runtime, now=second[1] + 0.1) == 1
    described = engine.describe(execution)
    assert (described["status"], described["error"]) == ("FAILED", "States.HeartbeatTimeout")


def test_a_result_cancels_the_timeout_timer(engine: Engine) -> None:
    execution = engine.start_execution(task(Resource="unit_timed", TimeoutSeconds=60), {"v": 1})
    assert len(core_timers(engine, execution, TimerKind.TASK_TIMEOUT)) == 1
    assert drain(engine, execution)["status"] == "SUCCEEDED"
    assert core_timers(engine, execution, TimerKind.TASK_TIMEOUT) == {}


def test_members_of_earlier_versions_still_time_out_and_heartbeat(engine: Engine) -> None:
    callback = task(Resource="unit_timed.waitForTaskToken", TimeoutSeconds=60, HeartbeatSeconds=5)
    timing_out, beating = (engine.start_execution(callback, {}) for _ in range(2))
    old_timeout = TaskTimeout(timing_out, ROOT, token_of(engine, timing_out))
    old_check = HeartbeatCheck(beating, ROOT, token_of(engine, beating), 5.0)
    for old in (old_timeout, old_check):
        make_due(engine.redis, old, time.time() - 1)
    assert fire_due(engine.runtime) == 2
    described = engine.describe(timing_out)
    assert (described["status"], described["error"]) == ("FAILED", "States.Timeout")
    # The old check gives the task a heartbeat window from now, on the core's timer.
    assert engine.describe(beating)["status"] == "RUNNING"
    (due,) = core_timers(engine, beating, TimerKind.HEARTBEAT).values()
    assert time.time() + 4 < due <= time.time() + 5
