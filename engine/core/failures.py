"""When a state fails: Retry (a timer, then the state again), Catch, or the end of the run.

Also how a run ends, with the events its role calls for (execution, Map iteration, branch).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.core import events
from engine.core.dataflow import apply_result_path, render
from engine.core.effects import Finish, StartTimer, TimerKind
from engine.core.errors import QUERY_EVALUATION, RUNTIME, error_matches, is_terminal
from engine.core.outcomes import Failure, Outcome, Suspend, Transition
from engine.core.queries import catch_query
from engine.core.retry import decide_retry
from engine.core.run import Run
from engine.errors import AslError, QueryEvaluationError

Json = Any


def failure_of(run: Run, error: AslError) -> Failure:
    """The Failure for an ASL error raised while running the current state.

    States.Runtime and States.QueryEvaluationError get AWS's "An error occurred while executing
    the state ..." prefix, once, where they happen.
    """
    prefixed = error.error in (RUNTIME, QUERY_EVALUATION)
    cause = run.runtime_cause(error.cause) if prefixed else error.cause
    if error.error == QUERY_EVALUATION:
        _evaluation_failed(run, error, cause)
    return Failure(error.error, cause)


def _evaluation_failed(run: Run, error: AslError, cause: str) -> None:
    """AWS records a failed JSONata evaluation as an event (and a Map or Parallel as failed)."""
    state = run.state
    location = error.location if isinstance(error, QueryEvaluationError) else None
    run.emit(events.evaluation_failed(state.name, error.error, cause, location))
    if state.type in ("Map", "Parallel"):
        run.emit(events.simple(f"{state.type}StateFailed"))


def handle_failure(run: Run, failure: Failure) -> Outcome | None:
    """Retry or catch `failure` in the current state; None when it ended the run."""
    state = run.state
    error, cause = failure.error, failure.cause
    if is_terminal(error, failure.from_task):
        _give_up(run, failure)
        fail_run(run, error, cause)
        return None
    current = run.current
    decision = decide_retry(
        getattr(state, "retry", ()),
        current["retry_counts"],
        error,
        failure.from_task,
        run.env.random,
    )
    if decision is not None:
        current["retry_counts"][decision.retrier_index] += 1
        current["retry_count"] += 1
        timer_id = f"retry/{current['entered_event']}/{current['retry_count']}"
        at = run.env.now() + timedelta(seconds=decision.delay_seconds)
        run.effect(StartTimer(timer_id, at, TimerKind.RETRY))
        run.await_("timer", timer_id=timer_id, purpose="retry")
        return Suspend()
    _give_up(run, failure)
    for catcher in getattr(state, "catch", ()):
        if error_matches(catcher.error_equals, error, failure.from_task):
            return _catch(run, catcher, error, cause)
    fail_run(run, error, cause)
    return None


def _give_up(run: Run, failure: Failure) -> None:
    """The state failed for good: the events it writes only then."""
    for event in failure.unless_retried:
        run.emit(event)


def _catch(run: Run, catcher: Any, error: str | None, cause: str | None) -> Outcome | None:
    error_output = {"Error": error, "Cause": cause}
    try:
        if run.state.uses_jsonata:
            return catch_query(run, catcher, error_output)
        scope = run.scope()
        assigned = render(catcher.assign, error_output, scope) if catcher.assign else {}
        output = apply_result_path(
            catcher.result_path, catcher.discard_result, run.current["input"], error_output
        )
    except AslError as failure:
        fail_run(run, failure.error, failure_of(run, failure).cause)
        return None
    return Transition(output, catcher.next, assigned)


def fail_run(run: Run, error: str | None, cause: str | None, status: str = "FAILED") -> None:
    """End the run FAILED (or ABORTED / TIMED_OUT) with `error` and `cause`."""
    snapshot = run.snapshot
    snapshot["failed"] = _resume_point(snapshot)
    snapshot.update(status=status, awaiting=None, error=error, cause=cause)
    role = run.machine.role
    if role == "root":
        run.emit(_root_failure_event(status, error, cause))
    elif role == "iteration":
        kind = "Aborted" if status == "ABORTED" else "Failed"
        run.emit(events.map_iteration(kind, run.machine.owner, snapshot["index"]))
    run.effect(Finish(status, error=error, cause=cause))


def _resume_point(snapshot: Json) -> Json:
    """Where a redrive continues: the state the run was in (or, between two states, the next
    one), with its input; a Map/Parallel redriven before keeps the outputs that redrive kept,
    and a DISTRIBUTED Map its Map Run, which a redrive continues."""
    current, awaited = snapshot["current"], snapshot["awaiting"] or {}
    if awaited.get("purpose") == "yield":
        return {"name": awaited["next"], "input": awaited["data"]}
    if current is None:
        return None
    point = {"name": current["name"], "input": current["input"]}
    if awaited.get("kept"):  # outputs an earlier redrive kept: still not to be run again
        point["kept"] = awaited["kept"]
    if awaited.get("map_run"):
        point["map_run"] = awaited["map_run"]
        point["map_run_redrives"] = awaited.get("map_run_redrives", 0)
    return point


def _root_failure_event(status: str, error: str | None, cause: str | None) -> dict[str, Any]:
    if status == "ABORTED":
        return events.execution_aborted(error, cause)
    if status == "TIMED_OUT":
        return {"type": "ExecutionTimedOut", "executionTimedOutEventDetails": {"error": error}}
    return events.execution_failed(error, cause)


def finish_run(run: Run, output: Json) -> None:
    """End the run SUCCEEDED with `output`."""
    snapshot = run.snapshot
    snapshot.update(status="SUCCEEDED", awaiting=None, output=output)
    encoded = run.encoded(output)  # as the last state exited with it: printed already
    role = run.machine.role
    if role == "root":
        run.emit(events.execution_succeeded(output, encoded))
    elif role == "iteration":
        run.emit(events.map_iteration("Succeeded", run.machine.owner, snapshot["index"]))
    run.effect(Finish("SUCCEEDED", output=output, encoded=encoded))
