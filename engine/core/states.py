"""One small function per state type, found by name: what the state does when it runs.

Each takes the run, the compiled state and the state's raw input, and returns an Outcome.
A failure of the language layer surfaces as AslError; the interpreter makes it a Failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.core import events
from engine.core.children import execute_map, execute_parallel
from engine.core.dataflow import effective_input, effective_output, render
from engine.core.effects import RunTask
from engine.core.errors import NO_CHOICE_MATCHED, RUNTIME
from engine.core.exits import complete_result, plain_exit
from engine.core.outcomes import Failure, Outcome, Suspend, Transition
from engine.core.run import Run
from engine.core.waiting import execute_wait
from engine.definition.model import (
    ChoiceState,
    FailState,
    PassState,
    SucceedState,
    TaskState,
)
from engine.errors import AslError
from engine.language.scope import Scope

Json = Any
CALLBACK_SUFFIX = ".waitForTaskToken"


def execute_pass(run: Run, state: PassState, raw: Json) -> Outcome:
    scope = run.scope()
    data = effective_input(state.input_path, raw, scope)
    result = state.result if state.has_result else render(state.parameters, data, scope)
    return complete_result(run, state, result)


def execute_task(run: Run, state: TaskState, raw: Json) -> Outcome:
    token = run.env.token()
    # Only a callback task (`.waitForTaskToken`) shows its token as `$$.Task.Token`.
    callback = state.resource.endswith(CALLBACK_SUFFIX)
    scope = run.scope(run.state_context(token if callback else None))
    data = effective_input(state.input_path, raw, scope)
    parameters = render(state.parameters, data, scope)
    timeout = _seconds(state.timeout_seconds, state.timeout_seconds_path, data, scope)
    heartbeat = _seconds(state.heartbeat_seconds, state.heartbeat_seconds_path, data, scope)
    current = run.current
    attempt = current["retry_count"]
    run.emit(events.task_scheduled(state.resource, parameters, timeout, heartbeat))
    run.emit(events.task_started(state.resource))
    execution_id = run.snapshot["context"]["Execution"]["Id"]
    key = f"{execution_id}{run.snapshot['run_id']}/{state.name}@{current['entered_event']}"
    run.effect(
        RunTask(
            token=token,
            resource=state.resource,
            input=parameters,
            timeout_seconds=timeout,
            heartbeat_seconds=heartbeat,
            state_name=state.name,
            attempt=attempt,
            idempotency_key=f"{key}/{attempt}",
        )
    )
    run.await_("task", token=token, resource=state.resource)
    return Suspend()


def _seconds(fixed: int | None, path: Any, data: Json, scope: Scope) -> int | None:
    if path is None:
        return fixed
    value = path.evaluate(data, scope)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AslError(RUNTIME, f"The field {path.source!r} refers to an invalid value: {value}")
    return value


def execute_choice(run: Run, state: ChoiceState, raw: Json) -> Outcome:
    scope = run.scope()
    data = effective_input(state.input_path, raw, scope)
    for choice in state.choices:
        if choice.rule.matches(data, scope):
            assigned = render(choice.assign, data, scope) if choice.assign is not None else {}
            output = effective_output(state.output_path, data, scope)
            return Transition(output, choice.next, assigned)
    if state.default is None:
        raise AslError(NO_CHOICE_MATCHED, "No Matches!")
    return plain_exit(state, data, scope, state.default)


def execute_succeed(run: Run, state: SucceedState, raw: Json) -> Outcome:
    scope = run.scope()
    return plain_exit(state, effective_input(state.input_path, raw, scope), scope, None)


def execute_fail(run: Run, state: FailState, raw: Json) -> Outcome:
    scope = run.scope()
    error = _fail_field(state.error, state.error_path, "ErrorPath", raw, scope)
    cause = _fail_field(state.cause, state.cause_path, "CausePath", raw, scope)
    return Failure(error, cause)


def _fail_field(fixed: str | None, path: Any, field: str, raw: Json, scope: Scope) -> str | None:
    if path is None:
        return fixed
    try:
        value = path.evaluate(raw, scope)
    except AslError as error:
        if error.error != RUNTIME:
            raise
        raise AslError(
            RUNTIME,
            f"The JSONPath '{path.source}' specified for the field '{field}' "
            f"could not be found in the input '{events.to_json(raw)}'",
        ) from error
    return value if isinstance(value, str) else events.to_json(value)


EXECUTE: dict[str, Callable[[Run, Any, Json], Outcome]] = {
    "Pass": execute_pass,
    "Task": execute_task,
    "Choice": execute_choice,
    "Wait": execute_wait,
    "Succeed": execute_succeed,
    "Fail": execute_fail,
    "Parallel": execute_parallel,
    "Map": execute_map,
}
