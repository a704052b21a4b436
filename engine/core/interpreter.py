"""`advance(machine, snapshot, trigger, env) -> Step`: the one entry point of the core.

It applies a trigger to a run's snapshot, runs pure states until the run needs the outside
world, and returns the new snapshot with the events and effects of that step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from engine.core import events, task_timers
from engine.core.children import fail_map, fail_parallel, resume_map, resume_parallel
from engine.core.context import base_context
from engine.core.dataflow import check_task_result
from engine.core.effects import CancelTimer, Finish, StartTimer, TimerKind
from engine.core.env import HISTORY_LIMIT_EVENTS, TRANSITION_BUDGET, Env
from engine.core.errors import HEARTBEAT_TIMEOUT, RUNTIME, TIMEOUT
from engine.core.exits import complete_result
from engine.core.failures import fail_run, failure_of, finish_run, handle_failure
from engine.core.outcomes import Failure, Outcome, Suspend, Transition
from engine.core.run import Run, Step, new_snapshot
from engine.core.states import EXECUTE
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
    TaskTimedOut,
    TimerFired,
    Trigger,
)
from engine.core.waiting import resume_wait
from engine.definition.model import Machine
from engine.errors import AslError

Json = Any
EXECUTION_TIMEOUT_TIMER = "execution-timeout"


def advance(machine: Machine, snapshot: Json | None, trigger: Trigger, env: Env) -> Step:
    """Apply `trigger` to the run in `snapshot` (None: a new run, started by `Start`)."""
    if snapshot is None:
        if not isinstance(trigger, Start):
            raise TypeError("a run without a snapshot can only be started")
        return _start(machine, trigger, env)
    run = Run(machine, snapshot, env)
    handler = HANDLERS[type(trigger)]
    if not handler(run, trigger):
        return Step(snapshot)
    task_timers.cancel_ended(run, snapshot)
    _cancel_ended(run, snapshot, trigger)
    return run.step()


def _start(machine: Machine, trigger: Start, env: Env) -> Step:
    given = dict(trigger.context or {})
    child = machine.role != "root"
    now = env.now()
    # A child's context names its execution already: only a new execution draws a name.
    name = (given.get("Execution") or {}).get("Name") or env.uuid()
    context = base_context(given, trigger.input, now, name, child=child)
    run = Run(machine, new_snapshot(context, given), env, new=True)
    if machine.role == "root":
        role_arn = context["Execution"].get("RoleArn")
        encoded = run.encoded(trigger.input, trigger.encoded)  # its first state prints it too
        run.emit(events.execution_started(trigger.input, role_arn, encoded))
    elif machine.role == "iteration":
        run.emit(events.map_iteration("Started", machine.owner, run.snapshot["index"]))
    _continue(run, _enter(run, machine.start_at, trigger.input))
    if _times_out(machine) and not _ended(run):  # one its first step ended needs none
        run.effect(_execution_timer(now, machine.timeout_seconds))
    return run.step()


def _times_out(machine: Machine) -> bool:
    """Whether `machine` is an execution with a TimeoutSeconds of its own."""
    return machine.role == "root" and bool(machine.timeout_seconds)


def _ended(run: Run) -> bool:
    return any(isinstance(effect, Finish) for effect in run.effects)


def _execution_timer(now: datetime, seconds: int) -> StartTimer:
    at = now + timedelta(seconds=seconds)
    return StartTimer(EXECUTION_TIMEOUT_TIMER, at, TimerKind.EXECUTION_TIMEOUT)


def _cancel_ended(run: Run, before: Json, trigger: Trigger) -> None:
    """A run that ended in this step needs its timers no more: the one it awaited (a Wait, a
    retry's backoff, a yield: ended by a Stop or the execution's timeout) and an execution's
    TimeoutSeconds; not the timer this step is the firing of (the shell removes a timer it
    fired). A Task attempt's timers are `task_timers.cancel_ended`'s."""
    if not _ended(run):
        return
    awaited = before["awaiting"] or {}
    pending = [awaited["timer_id"]] if awaited.get("kind") == "timer" else []
    if _times_out(run.machine):
        pending.append(EXECUTION_TIMEOUT_TIMER)
    fired = trigger.timer_id if isinstance(trigger, TimerFired) else None
    for timer_id in pending:
        if timer_id != fired:
            run.effect(CancelTimer(timer_id))


def _enter(run: Run, name: str, raw_input: Json) -> Outcome:
    run.enter(name, raw_input)
    return _execute(run)


def _execute(run: Run) -> Outcome:
    """Run the current state's body (again, on a retry); an ASL error becomes a Failure."""
    state = run.state
    run.snapshot["awaiting"] = None
    try:
        return EXECUTE[state.type](run, state, run.current["input"])
    except AslError as error:
        return failure_of(run, error)


def _continue(run: Run, outcome: Outcome) -> None:
    """Follow outcomes until the run waits or ends; yield after a bounded number of states."""
    transitions = 0
    while True:
        if isinstance(outcome, Failure):
            outcome = handle_failure(run, outcome)
        if outcome is None or isinstance(outcome, Suspend):
            return
        if not _exit(run, outcome):
            return
        if run.snapshot["event_count"] >= HISTORY_LIMIT_EVENTS:
            _exceed_history_limit(run)
            return
        transitions += 1
        if transitions >= TRANSITION_BUDGET:
            _yield(run, outcome)
            return
        outcome = _enter(run, outcome.next, outcome.output)


def _exceed_history_limit(run: Run) -> None:
    cause = f"The execution reached the maximum number of history events ({HISTORY_LIMIT_EVENTS})."
    fail_run(run, RUNTIME, cause)


def _exit(run: Run, transition: Transition) -> bool:
    """Leave the current state; False when that ended the run."""
    state = run.state
    run.assign(transition.assigned)
    output = transition.output
    encoded = run.encoded(output)
    run.emit(events.state_exited(state.type, state.name, output, transition.assigned, encoded))
    run.snapshot["awaiting"] = None
    if transition.next is None:
        finish_run(run, transition.output)
        return False
    return True


def _yield(run: Run, transition: Transition) -> None:
    timer_id = f"yield/{run.snapshot['event_count']}"
    run.effect(StartTimer(timer_id, run.env.now(), TimerKind.YIELD))
    run.await_(
        "timer", timer_id=timer_id, purpose="yield", next=transition.next, data=transition.output
    )


def _resume(run: Run, produce: Callable[[], Outcome]) -> None:
    try:
        outcome = produce()
    except AslError as error:
        outcome = failure_of(run, error)
    _continue(run, outcome)


def _on_task_succeeded(run: Run, trigger: TaskSucceeded) -> bool:
    awaited = run.awaiting("task", "token", trigger.token)
    if awaited is None:
        return False
    resource = awaited["resource"]
    try:
        check_task_result(resource, trigger.output)
    except AslError as error:
        run.emit(events.task_failed(run.state.kind, error.error, error.cause))
        _continue(run, Failure(error.error, error.cause, from_task=True))
        return True
    run.emit(events.task_succeeded(run.state.kind, trigger.output))
    _resume(run, lambda: complete_result(run, run.state, trigger.output))
    return True


def _on_task_failed(run: Run, trigger: TaskFailed) -> bool:
    awaited = run.awaiting("task", "token", trigger.token)
    if awaited is None:
        return False
    run.emit(events.task_failed(run.state.kind, trigger.error, trigger.cause))
    _continue(run, Failure(trigger.error, trigger.cause, from_task=True))
    return True


def _on_task_timed_out(run: Run, trigger: TaskTimedOut) -> bool:
    if run.awaiting("task", "token", trigger.token) is None:
        return False
    _time_out_task(run, HEARTBEAT_TIMEOUT if trigger.kind == "heartbeat" else TIMEOUT)
    return True


def _time_out_task(run: Run, error: str) -> None:
    run.emit(events.task_timed_out(run.state.kind, error, None))
    _continue(run, Failure(error, None, from_task=True))


def _on_task_heartbeat(run: Run, trigger: TaskHeartbeat) -> bool:
    """A heartbeat (the first one: the attempt started) re-arms the HeartbeatSeconds timer;
    the run itself does not change."""
    awaited = run.awaiting("task", "token", trigger.token)
    return awaited is not None and task_timers.beat(run, awaited)


def _on_task_redelivered(run: Run, trigger: TaskRedelivered) -> bool:
    """Each delivery of an attempt shows in the history as a Started event of its own (AWS
    has no redelivery: a task that starts again on another worker is the nearest it records).
    The awaited record counts deliveries, so a delivery reported twice is stale; a delivery
    under a new token ends the old token's claim on the attempt."""
    awaited = run.awaiting("task", "token", trigger.token)
    if awaited is None or awaited.get("deliveries", 0) >= trigger.delivery:
        return False
    run.snapshot["awaiting"] = {**awaited, "deliveries": trigger.delivery}
    run.emit(events.task_started(run.state.kind))
    if trigger.new_token:
        handovers = awaited.get("handovers", 0) + 1
        run.snapshot["awaiting"] |= {"token": trigger.new_token, "handovers": handovers}
        task_timers.handed_over(run)
    return True


def _on_timer_fired(run: Run, trigger: TimerFired) -> bool:
    if trigger.timer_id == EXECUTION_TIMEOUT_TIMER:
        return _time_out_execution(run)
    error = task_timers.expired(run, trigger.timer_id)
    if error is not None:
        _time_out_task(run, error)
        return True
    awaited = run.awaiting("timer", "timer_id", trigger.timer_id)
    if awaited is None:
        return False
    purpose = awaited["purpose"]
    if purpose == "retry":
        _continue(run, _execute(run))
    elif purpose == "wait":
        _resume(run, lambda: resume_wait(run, run.state, awaited["data"]))
    else:
        _continue(run, _enter(run, awaited["next"], awaited["data"]))
    return True


def _time_out_execution(run: Run) -> bool:
    if run.snapshot["status"] != "RUNNING":
        return False
    fail_run(run, TIMEOUT, None, status="TIMED_OUT")
    return True


def _on_children_done(run: Run, trigger: ChildrenDone) -> bool:
    if run.awaiting("children") is None:
        return False
    state = run.state
    if state.type == "Map":
        _resume(run, lambda: resume_map(run, state, trigger.results, trigger.failed))
    else:
        _resume(run, lambda: resume_parallel(run, state, trigger.results))
    return True


def _on_child_failed(run: Run, trigger: ChildFailed) -> bool:
    if run.awaiting("children") is None:
        return False
    state = run.state
    if state.type == "Map":
        outcome = fail_map(
            run, state, trigger.error, trigger.cause, trigger.results, trigger.failed
        )
    else:
        outcome = fail_parallel(run, state, trigger.error, trigger.cause)
    _continue(run, outcome)
    return True


def _on_stop(run: Run, trigger: Stop) -> bool:
    if run.snapshot["status"] != "RUNNING":
        return False
    fail_run(run, trigger.error, trigger.cause, status="ABORTED")
    return True


REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")


def _on_redrive(run: Run, trigger: Redrive) -> bool:
    failed = run.snapshot.get("failed")
    if run.snapshot["status"] not in REDRIVABLE or not failed:
        return False
    execution = run.snapshot["context"]["Execution"]
    execution["RedriveCount"] = execution.get("RedriveCount", 0) + 1
    run.snapshot.update(status="RUNNING", failed=None, error=None, cause=None)
    if run.machine.role == "root":
        run.emit(events.execution_redriven(execution["RedriveCount"]))
        if run.machine.timeout_seconds:
            # The same timer id: a redrive moves the old deadline instead of adding one.
            run.effect(_execution_timer(run.env.now(), run.machine.timeout_seconds))
    kept = {**failed.get("kept", {}), **trigger.kept}
    run.redrive = {**failed, "kept": {int(i): output for i, output in kept.items()}}
    _continue(run, _enter(run, failed["name"], failed["input"]))
    return True


HANDLERS: dict[type, Callable[[Run, Any], bool]] = {
    TaskSucceeded: _on_task_succeeded,
    TaskFailed: _on_task_failed,
    TaskTimedOut: _on_task_timed_out,
    TaskHeartbeat: _on_task_heartbeat,
    TaskRedelivered: _on_task_redelivered,
    TimerFired: _on_timer_fired,
    ChildrenDone: _on_children_done,
    ChildFailed: _on_child_failed,
    Stop: _on_stop,
    Redrive: _on_redrive,
    Start: lambda run, trigger: False,
}
