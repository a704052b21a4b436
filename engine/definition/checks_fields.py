"""Semantic checks on fields the schema cannot relate: exclusive pairs, ErrorEquals, limits.

One function per rule; each yields Diagnostics placed at the offending node.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.definition.document import Document
from engine.definition.walk import State, states
from engine.errors import Diagnostic

WAIT_FIELDS = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")
EXCLUSIVE = (
    ("TimeoutSeconds", "TimeoutSecondsPath"),
    ("HeartbeatSeconds", "HeartbeatSecondsPath"),
    ("MaxConcurrency", "MaxConcurrencyPath"),
    ("ToleratedFailureCount", "ToleratedFailureCountPath"),
    ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
    ("Error", "ErrorPath"),
    ("Cause", "CausePath"),
    ("ItemProcessor", "Iterator"),
    ("ItemSelector", "Parameters"),
)
ALL_ERRORS = "States.ALL"
RESERVED_VARIABLES = ("states",)


def _is_jsonata(value: object) -> bool:
    return isinstance(value, str) and value.strip().startswith("{%")


def wait_has_one_duration(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        if state.type != "Wait":
            continue
        given = [field for field in WAIT_FIELDS if field in state.body]
        if len(given) == 1:
            continue
        if not given:
            message = f"state {state.name!r} needs one of {', '.join(WAIT_FIELDS)}"
            yield document.diagnostic(message, state.path, at_key=True)
        else:
            message = f"state {state.name!r} has both {given[0]} and {given[1]}; keep one"
            yield document.diagnostic(message, state.at(given[1]), at_key=True)


def exclusive_fields(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        for first, second in EXCLUSIVE:
            if first in state.body and second in state.body:
                message = f"state {state.name!r} has both {first} and {second}; keep one"
                yield document.diagnostic(message, state.at(second), at_key=True)


def map_has_processor(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        if state.type == "Map" and not ("ItemProcessor" in state.body or "Iterator" in state.body):
            message = (
                f"state {state.name!r} needs an ItemProcessor: the state machine to run "
                "for each item"
            )
            yield document.diagnostic(message, state.path, at_key=True)


def heartbeat_below_timeout(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        heartbeat, timeout = state.body.get("HeartbeatSeconds"), state.body.get("TimeoutSeconds")
        if _is_number(heartbeat) and _is_number(timeout) and heartbeat >= timeout:
            message = (
                f"state {state.name!r}: HeartbeatSeconds ({heartbeat}) must be smaller than "
                f"TimeoutSeconds ({timeout})"
            )
            yield document.diagnostic(message, state.at("HeartbeatSeconds"))


def task_credentials_not_assumed(document: Document) -> Iterator[Diagnostic]:
    """AWS assumes a Task's `Credentials.RoleArn` (cross-account access); sfn has no role to
    assume, so the Task runs with the worker's own access: said, never silently."""
    for state in states(document):
        if state.type == "Task" and "Credentials" in state.body:
            message = (
                f"state {state.name!r}: Credentials is not used by sfn: the Task runs with the "
                "worker's own access, not the role AWS would assume"
            )
            yield document.diagnostic(
                message, state.at("Credentials"), at_key=True, severity="warning"
            )


def express_children_run_standard(document: Document) -> Iterator[Diagnostic]:
    """A Distributed Map's `ExecutionType: EXPRESS` children run at least once on AWS; sfn runs
    every child as a durable execution (each step once), so the field is said, not dropped."""
    for state in states(document):
        processor = state.body.get("ItemProcessor") if state.type == "Map" else None
        config = processor.get("ProcessorConfig") if isinstance(processor, dict) else None
        if isinstance(config, dict) and config.get("ExecutionType") == "EXPRESS":
            message = (
                f"state {state.name!r}: ExecutionType EXPRESS is run by sfn as STANDARD child "
                "executions (durable, each step once), not AWS's at-least-once Express ones"
            )
            at = state.at("ItemProcessor", "ProcessorConfig", "ExecutionType")
            yield document.diagnostic(message, at, at_key=True, severity="warning")


def trace_header_not_sent(document: Document) -> Iterator[Diagnostic]:
    """startExecution's `TraceHeader` continues an X-Ray trace on AWS; sfn has no X-Ray."""
    for state in states(document):
        fields = state.body.get("Parameters") or state.body.get("Arguments")
        resource = state.body.get("Resource")
        if (
            state.type == "Task"
            and isinstance(resource, str)
            and resource.startswith("arn:aws:states:::states:startExecution")
            and isinstance(fields, dict)
        ):
            yield from _trace_header(document, state, fields)


def _trace_header(document: Document, state: State, fields: dict) -> Iterator[Diagnostic]:
    key = "Parameters" if "Parameters" in state.body else "Arguments"
    for name in ("TraceHeader", "TraceHeader.$"):
        if name in fields:
            message = (
                f"state {state.name!r}: TraceHeader is not used by sfn (it has no X-Ray trace "
                "to continue); the child execution starts without it"
            )
            yield document.diagnostic(message, state.at(key, name), at_key=True, severity="warning")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def wait_timestamp_valid(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        value = state.body.get("Timestamp")
        if state.type != "Wait" or not isinstance(value, str) or _is_jsonata(value):
            continue
        from engine.language.timestamps import is_timestamp  # its pattern: only if needed

        if not is_timestamp(value):
            message = (
                f"state {state.name!r}: Timestamp must be an RFC 3339 timestamp such as "
                f"2026-03-14T01:59:00Z, not {value!r}"
            )
            yield document.diagnostic(message, state.at("Timestamp"))


def states_all_alone_and_last(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        for field in ("Retry", "Catch"):
            handlers = state.body.get(field)
            if not isinstance(handlers, list):
                continue
            for index, handler in enumerate(handlers):
                yield from _states_all(document, state, field, index, handler, len(handlers))


def _states_all(
    document: Document, state: State, field: str, index: int, handler: object, count: int
) -> Iterator[Diagnostic]:
    errors = handler.get("ErrorEquals") if isinstance(handler, dict) else None
    if not isinstance(errors, list) or ALL_ERRORS not in errors:
        return
    where = f"state {state.name!r}: {field}[{index}].ErrorEquals"
    path = state.at(field, index, "ErrorEquals")
    if len(errors) > 1:
        message = f"{where}: States.ALL matches every error, so it must be alone in its list"
        yield document.diagnostic(message, path)
    if index != count - 1:
        kind = "retrier" if field == "Retry" else "catcher"
        message = f"{where}: States.ALL must be in the last {kind}; the ones after it never run"
        yield document.diagnostic(message, path)


def assign_variable_names(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        for path, assign in _assigns(state):
            for key in assign:
                name = key[:-2] if key.endswith(".$") and state.language == "JSONPath" else key
                if not name.isidentifier() or name in RESERVED_VARIABLES:
                    message = (
                        f"state {state.name!r}: {name!r} is not a valid variable name "
                        "(letters, digits and _, not starting with a digit; not 'states')"
                    )
                    yield document.diagnostic(message, (*path, key), at_key=True)


def _assigns(state: State) -> Iterator[tuple[tuple, dict]]:
    if isinstance(state.body.get("Assign"), dict):
        yield state.at("Assign"), state.body["Assign"]
    for field in ("Choices", "Catch"):
        items = state.body.get(field)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("Assign"), dict):
                yield state.at(field, index, "Assign"), item["Assign"]
