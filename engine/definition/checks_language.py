"""Semantic checks on query languages: a state uses the fields of its own language only.

The schema accepts the fields of both languages on every state; which one applies depends on
the state's QueryLanguage or the one it inherits, which only a walk of the machine knows.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.definition.document import Document
from engine.definition.walk import State, states
from engine.errors import Diagnostic

# JSONPath field -> what to write in JSONata instead.
JSONPATH_ONLY = {
    "InputPath": "Arguments",
    "Parameters": "Arguments",
    "ResultSelector": "Output",
    "ResultPath": "Output and Assign",
    "OutputPath": "Output",
    "ItemsPath": "Items",
    "TimeoutSecondsPath": "TimeoutSeconds",
    "HeartbeatSecondsPath": "HeartbeatSeconds",
    "SecondsPath": "Seconds",
    "TimestampPath": "Timestamp",
    "ErrorPath": "Error",
    "CausePath": "Cause",
    "MaxConcurrencyPath": "MaxConcurrency",
    "ToleratedFailureCountPath": "ToleratedFailureCount",
    "ToleratedFailurePercentagePath": "ToleratedFailurePercentage",
}
# JSONata field -> what to write in JSONPath instead.
JSONATA_ONLY = {
    "Arguments": "Parameters",
    "Output": "OutputPath or ResultSelector",
    "Items": "ItemsPath",
    "Condition": "Variable and a comparison",
}
# Top-level Choice rule fields that belong to one language (the others are worded by
# checks_choice, which knows the rule structure).
RULE_FIELDS = ("Condition", "Output")
JSONATA_VALUED = (
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "Seconds",
    "Timestamp",
    "MaxConcurrency",
    "ToleratedFailureCount",
    "ToleratedFailurePercentage",
)


def _fields(state: State) -> Iterator[tuple[tuple, str]]:
    """(path of the field, field name) for the state, its catchers and its Choice rules."""
    for field in state.body:
        yield state.at(field), field
    for handlers, fields in (("Catch", ("ResultPath", "Output")), ("Choices", RULE_FIELDS)):
        items = state.body.get(handlers)
        for index, item in enumerate(items if isinstance(items, list) else []):
            for field in item if isinstance(item, dict) else ():
                if field in fields:
                    yield state.at(handlers, index, field), field


def jsonpath_fields_in_jsonata(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        if state.language != "JSONata":
            continue
        for path, field in _fields(state):
            if field in JSONPATH_ONLY:
                message = (
                    f"state {state.name!r}: {field} is a JSONPath field, but this state uses "
                    f"JSONata (write {JSONPATH_ONLY[field]} instead)"
                )
                yield document.diagnostic(message, path, at_key=True)


def jsonata_fields_in_jsonpath(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        if state.language != "JSONPath":
            continue
        for path, field in _fields(state):
            if field in JSONATA_ONLY:
                message = (
                    f"state {state.name!r}: {field} is a JSONata field, but this state uses "
                    f"JSONPath (set QueryLanguage: JSONata, or write {JSONATA_ONLY[field]})"
                )
                yield document.diagnostic(message, path, at_key=True)


def jsonata_values_in_jsonpath(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        if state.language != "JSONPath":
            continue
        for field in JSONATA_VALUED:
            value = state.body.get(field)
            if isinstance(value, str) and value.strip().startswith("{%"):
                message = (
                    f"state {state.name!r}: {field} holds a JSONata expression, but this state "
                    f"uses JSONPath (set QueryLanguage: JSONata, or use {field}Path)"
                )
                yield document.diagnostic(message, state.at(field))
