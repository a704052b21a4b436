"""The fields AWS's optimized HTTP, Lambda and StartExecution Tasks take: AWS refuses a
definition with any other, so `validate` and the runners do; the ones AWS runs and sfn does not
are said, not dropped (a warning on `validate`, refused before a run)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engine.definition.document import Document
from engine.definition.resources import split_pattern
from engine.definition.walk import states
from engine.errors import Diagnostic

HTTP = "arn:aws:states:::http:invoke"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
START_EXECUTION = "arn:aws:states:::states:startExecution"
# Each integration's fields, at each level of its Parameters / Arguments.
FIELDS: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {
    HTTP: {
        (): (
            "ApiEndpoint",
            "Method",
            "Authentication",
            "Headers",
            "QueryParameters",
            "RequestBody",
            "Transform",
        ),
        ("Authentication",): ("ConnectionArn",),
        ("Transform",): ("RequestBodyEncoding", "RequestEncodingOptions"),
    },
    START_EXECUTION: {(): ("StateMachineArn", "Input", "Name", "TraceHeader")},
    LAMBDA_INVOKE: {
        (): ("FunctionName", "Payload", "InvocationType", "LogType", "ClientContext", "Qualifier"),
    },
}


def base_resource(resource: str) -> str:
    """The integration's ARN without its `.sync` / `.waitForTaskToken` pattern."""
    return split_pattern(resource)[0]


def unknown_field(resource: str, parameters: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """(place, what is wrong) for the first field the integration does not take, else ((), "")."""
    levels = FIELDS.get(base_resource(resource), {})
    for where, allowed in levels.items():
        level: Any = parameters
        for part in where:
            level = level.get(part) or level.get(f"{part}.$") or {}
        if not isinstance(level, dict):
            continue
        for key in level:
            if key.removesuffix(".$") not in allowed:
                place = ".".join((*where, key))
                name = base_resource(resource).split(":::", 1)[-1]
                return (
                    *where,
                    key,
                ), f"{place} is not a field of {name} (it takes {', '.join(allowed)})"
    return (), ""


def not_run(resource: str, parameters: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """(place, what sfn does not do) for a field AWS runs and sfn would drop, else ((), "")."""
    if base_resource(resource) != LAMBDA_INVOKE:
        return (), ""
    if "ClientContext" in parameters or "ClientContext.$" in parameters:
        field = "ClientContext" if "ClientContext" in parameters else "ClientContext.$"
        return (field,), "ClientContext is not passed to sfn's functions (activities)"
    if parameters.get("LogType") == "Tail":
        return ("LogType",), "LogType Tail is not run: sfn's functions have no Lambda log to return"
    return (), ""


def integration_fields(document: Document) -> Iterator[Diagnostic]:
    """An error per field an HTTP, Lambda or StartExecution Task does not take; a warning per
    field sfn would not run (refused by the runners)."""
    for state in states(document):
        resource, arguments = state.body.get("Resource"), None
        if state.type == "Task" and isinstance(resource, str):
            field = "Arguments" if "Arguments" in state.body else "Parameters"
            arguments = state.body.get(field)
        if not isinstance(arguments, dict):
            continue
        place, problem = unknown_field(resource, arguments)
        if problem:
            yield document.diagnostic(
                f"state {state.name!r}: {problem}", state.at(field, *place), at_key=True
            )
        place, problem = not_run(resource, arguments)
        if problem:
            message = f"state {state.name!r}: {problem}; `sfn run` refuses the definition"
            yield document.diagnostic(
                message, state.at(field, *place), at_key=True, severity="warning"
            )
