"""History events shaped as AWS GetExecutionHistory returns them (without id and timestamp).

Inputs and outputs are JSON text, as AWS stores them; the shell adds `id`, `previousEventId`
and `timestamp` when it commits the step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.definition.resources import ACTIVITY, LAMBDA, TASK, ResourceKind
from engine.language.json_text import compact

Json = Any
Event = dict[str, Any]


def to_json(value: Json) -> str:
    """Compact JSON text, as AWS prints payloads."""
    return compact(value)


def _payload(key: str, value: Json, encoded: str | None = None) -> dict[str, Any]:
    """`encoded`: `value` as JSON text, when the caller has it already."""
    text = to_json(value) if encoded is None else encoded
    return {key: text, f"{key}Details": {"truncated": False}}


def execution_started(
    input: Json, role_arn: str | None = None, encoded: str | None = None
) -> Event:
    """`encoded`: `input` as JSON text, when the caller has it already."""
    details = _payload("input", input, encoded)
    if role_arn:
        details["roleArn"] = role_arn
    return {"type": "ExecutionStarted", "executionStartedEventDetails": details}


def execution_succeeded(output: Json, encoded: str | None = None) -> Event:
    return {
        "type": "ExecutionSucceeded",
        "executionSucceededEventDetails": _payload("output", output, encoded),
    }


def _error_details(error: str | None, cause: str | None) -> dict[str, str]:
    details = {}
    if error is not None:
        details["error"] = error
    if cause is not None:
        details["cause"] = cause
    return details


def execution_failed(error: str | None, cause: str | None) -> Event:
    return {"type": "ExecutionFailed", "executionFailedEventDetails": _error_details(error, cause)}


def execution_aborted(error: str | None, cause: str | None) -> Event:
    return {
        "type": "ExecutionAborted",
        "executionAbortedEventDetails": _error_details(error, cause),
    }


def execution_redriven(redrive_count: int) -> Event:
    return {
        "type": "ExecutionRedriven",
        "executionRedrivenEventDetails": {"redriveCount": redrive_count},
    }


def state_entered(state_type: str, name: str, input: Json, encoded: str | None = None) -> Event:
    """`encoded`: `input` as JSON text, when the caller has it already."""
    text = to_json(input) if encoded is None else encoded
    details = {"name": name, "input": text, "inputDetails": {"truncated": False}}
    return {"type": f"{state_type}StateEntered", "stateEnteredEventDetails": details}


def state_exited(
    state_type: str,
    name: str,
    output: Json,
    assigned: Mapping[str, Json] | None = None,
    encoded: str | None = None,
) -> Event:
    """`encoded`: `output` as JSON text, when the caller has it already."""
    text = to_json(output) if encoded is None else encoded
    details: dict[str, Any] = {"name": name, "output": text, "outputDetails": {"truncated": False}}
    if assigned:
        details["assignedVariables"] = {key: to_json(value) for key, value in assigned.items()}
        details["assignedVariablesDetails"] = {"truncated": False}
    return {"type": f"{state_type}StateExited", "stateExitedEventDetails": details}


def evaluation_failed(state: str, error: str, cause: str, location: str | None) -> Event:
    """A JSONata expression (or the value it gave) failed the state: States.QueryEvaluationError."""
    details = {"error": error, "cause": cause, "state": state}
    if location is not None:
        details["location"] = location
    return {"type": "EvaluationFailed", "evaluationFailedEventDetails": details}


def simple(event_type: str) -> Event:
    """An event without details (ParallelStateStarted, MapStateSucceeded, ...)."""
    return {"type": event_type}


def task_scheduled(
    kind: ResourceKind, parameters: Json, timeout: int | None, heartbeat: int | None
) -> Event:
    """TaskScheduled, or LambdaFunctionScheduled / ActivityScheduled for those Resources."""
    if kind.family == TASK:
        details: dict[str, Any] = {
            "resourceType": kind.resource_type,
            "resource": kind.resource,
            "region": "local",
            **_payload("parameters", parameters),
        }
    else:
        details = {"resource": kind.resource, **_payload("input", parameters)}
    if timeout is not None:
        details["timeoutInSeconds"] = timeout
    if heartbeat is not None and kind.family != LAMBDA:
        details["heartbeatInSeconds"] = heartbeat
    return _task(kind, "Scheduled", details, with_resource=False)


def _task(
    kind: ResourceKind, suffix: str, details: dict[str, Any], *, with_resource: bool = True
) -> Event:
    """A Task* event with its resource, or the LambdaFunction* / Activity* event AWS records."""
    prefix = {TASK: "Task", LAMBDA: "LambdaFunction", ACTIVITY: "Activity"}[kind.family]
    if kind.family == TASK and with_resource:
        details = {"resourceType": kind.resource_type, "resource": kind.resource, **details}
    event: Event = {"type": f"{prefix}{suffix}"}
    if details:
        event[f"{prefix[0].lower()}{prefix[1:]}{suffix}EventDetails"] = details
    return event


def task_started(kind: ResourceKind) -> Event:
    return _task(kind, "Started", {"workerName": "sfn"} if kind.family == ACTIVITY else {})


def task_succeeded(kind: ResourceKind, output: Json) -> Event:
    return _task(kind, "Succeeded", _payload("output", output))


def task_failed(kind: ResourceKind, error: str | None, cause: str | None) -> Event:
    return _task(kind, "Failed", _error_details(error, cause))


def task_timed_out(kind: ResourceKind, error: str, cause: str | None) -> Event:
    return _task(kind, "TimedOut", _error_details(error, cause))


def map_state_started(length: int) -> Event:
    return {"type": "MapStateStarted", "mapStateStartedEventDetails": {"length": length}}


def map_iteration(kind: str, name: str, index: int) -> Event:
    """MapIterationStarted / Succeeded / Failed / Aborted."""
    key = f"mapIteration{kind}EventDetails"
    return {"type": f"MapIteration{kind}", key: {"name": name, "index": index}}


def map_run_started(map_run_arn: str) -> Event:
    return {"type": "MapRunStarted", "mapRunStartedEventDetails": {"mapRunArn": map_run_arn}}


def map_run_redriven(map_run_arn: str, redrive_count: int) -> Event:
    details = {"mapRunArn": map_run_arn, "redriveCount": redrive_count}
    return {"type": "MapRunRedriven", "mapRunRedrivenEventDetails": details}


def map_run_failed(error: str | None, cause: str | None) -> Event:
    return {"type": "MapRunFailed", "mapRunFailedEventDetails": _error_details(error, cause)}
