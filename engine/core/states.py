"""One small function per state type, found by name: what the state does when it runs.

Each takes the run, the compiled state and the state's raw input, and returns an Outcome.
A JSONata state reads its fields through `queries`; a JSONPath state through `dataflow`.
A failure of the language layer surfaces as AslError; the interpreter makes it a Failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.core import events, task_timers
from engine.core.children import execute_map, execute_parallel
from engine.core.dataflow import check_state_output, effective_input, effective_output, render
from engine.core.effects import RunTask
from engine.core.errors import NO_CHOICE_MATCHED, RUNTIME
from engine.core.exits import complete_result, plain_exit
from engine.core.outcomes import Failure, Outcome, Suspend, Transition
from engine.core.queries import assigned, bindings, evaluate, positive_integer, query_exit
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


def execute_pass(run: Run, state: PassState, raw: Json) -> Outcome:
    if state.uses_jsonata:
        return query_exit(run, state, bindings(run, raw), raw, state.next)
    scope = run.scope()
    data = effective_input(state.input_path, raw, scope)
    result = state.result if state.has_result else render(state.parameters, data, scope)
    return complete_result(run, state, result, scope)


def execute_task(run: Run, state: TaskState, raw: Json) -> Outcome:
    token = run.env.token()
    # Only a callback task (`.waitForTaskToken`) shows its token as `$$.Task.Token`.
    callback = state.kind.callback
    context = run.state_context(token if callback else None)
    request = _query_request if state.uses_jsonata else _request
    parameters, timeout, heartbeat = request(run, state, raw, context)
    current = run.current
    attempt = current["retry_count"]
    run.emit(events.task_scheduled(state.kind, parameters, timeout, heartbeat))
    run.emit(events.task_started(state.kind))
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
    task_timers.arm_timeout(run, timeout)
    timers = task_timers.limits(timeout, heartbeat)
    run.await_("task", token=token, resource=state.resource, **timers)
    return Suspend()


def _request(
    run: Run, state: TaskState, raw: Json, context: Json
) -> tuple[Json, int | None, int | None]:
    """The task's input, TimeoutSeconds and HeartbeatSeconds of a JSONPath state."""
    scope = run.scope(context)
    data = effective_input(state.input_path, raw, scope)
    parameters = render(state.parameters, data, scope)
    timeout = _seconds(state.timeout_seconds, state.timeout_seconds_path, data, scope)
    heartbeat = _seconds(state.heartbeat_seconds, state.heartbeat_seconds_path, data, scope)
    return parameters, timeout, heartbeat


def _query_request(
    run: Run, state: TaskState, raw: Json, context: Json
) -> tuple[Json, int | None, int | None]:
    """The same for a JSONata state: Arguments (else the input) and the two timeouts."""
    states = bindings(run, raw, context)
    arguments = raw if state.arguments is None else evaluate(run, state.arguments, states)
    timeout = positive_integer(run, "TimeoutSeconds", state.timeout_seconds, states)
    heartbeat = positive_integer(run, "HeartbeatSeconds", state.heartbeat_seconds, states)
    return arguments, timeout, heartbeat


def _seconds(fixed: int | None, path: Any, data: Json, scope: Scope) -> int | None:
    if path is None:
        return fixed
    value = path.evaluate(data, scope)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AslError(RUNTIME, f"The field {path.source!r} refers to an invalid value: {value}")
    return value


def execute_choice(run: Run, state: ChoiceState, raw: Json) -> Outcome:
    if state.uses_jsonata:
        return _query_choice(run, state, raw)
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


def _query_choice(run: Run, state: ChoiceState, raw: Json) -> Outcome:
    """The first rule whose Condition is true; its Assign and Output stand in for the
    state's (an Output of the state applies when the rule has none)."""
    states = bindings(run, raw)
    for choice in state.choices:
        if evaluate(run, choice.condition, states, expect="boolean"):
            variables = assigned(run, choice.assign, states)
            output = state.output if choice.output is None else choice.output
            output = raw if output is None else evaluate(run, output, states)
            check_state_output(state.name, output, encoded=run.encoded(output))
            return Transition(output, choice.next, variables)
    if state.default is None:
        raise AslError(NO_CHOICE_MATCHED, "No Matches!")
    return query_exit(run, state, states, raw, state.default)


def execute_succeed(run: Run, state: SucceedState, raw: Json) -> Outcome:
    if state.uses_jsonata:
        return query_exit(run, state, bindings(run, raw), raw, None)
    scope = run.scope()
    return plain_exit(state, effective_input(state.input_path, raw, scope), scope, None)


def execute_fail(run: Run, state: FailState, raw: Json) -> Outcome:
    if state.uses_jsonata:
        states = bindings(run, raw)
        error = evaluate(run, state.error, states, expect="string")
        return Failure(error, evaluate(run, state.cause, states, expect="string"))
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
