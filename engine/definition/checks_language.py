"""Semantic checks on query languages: a state uses the fields of its own language only, and
every `{% ... %}` of a JSONata state parses.

The schema accepts the fields of both languages on every state; which one applies depends on
the state's QueryLanguage or the one it inherits, which only a walk of the machine knows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.definition.document import Document, NodePath
from engine.definition.walk import State, states
from engine.definition.wording import field_path, show
from engine.errors import Diagnostic, ExpressionError

# JSONPath field -> what to write in JSONata instead.
JSONPATH_ONLY = {
    "InputPath": "Arguments",
    "Parameters": "Arguments",
    "Result": "Output",
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
# Fields of a JSONata state whose strings may be expressions, at any depth.
QUERY_FIELDS = ("Arguments", "Output", "Assign", "Items", "ItemSelector", "Error", "Cause")
# Fields of Choice rules and catchers that may hold expressions.
HANDLER_QUERY_FIELDS = {"Choices": ("Condition", "Output", "Assign"), "Catch": ("Output", "Assign")}
# Fields that are an expression or a number (or a boolean: Condition), never other text.
NOT_TEXT = (*(field for field in JSONATA_VALUED if field != "Timestamp"), "Items", "Condition")


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
            # Result elsewhere than in a Pass is an unknown field, which the schema words.
            if field in JSONPATH_ONLY and (field != "Result" or state.type == "Pass"):
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


def _query_places(state: State) -> Iterator[tuple[NodePath, Any]]:
    """(path, value) of every field of a JSONata state that may hold expressions."""
    for field in (*QUERY_FIELDS, *JSONATA_VALUED):
        if field in state.body:
            yield state.at(field), state.body[field]
    for handlers, fields in HANDLER_QUERY_FIELDS.items():
        items = state.body.get(handlers)
        for index, item in enumerate(items if isinstance(items, list) else []):
            for field in fields:
                if isinstance(item, dict) and field in item:
                    yield state.at(handlers, index, field), item[field]


def _strings(path: NodePath, value: Any) -> Iterator[tuple[NodePath, str]]:
    """Every string inside `value` (object keys are literal), with its path."""
    pending = [(path, value)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, str):
            yield path, node
        elif isinstance(node, dict):
            pending.extend(((*path, key), item) for key, item in node.items())
        elif isinstance(node, list):
            pending.extend(((*path, index), item) for index, item in enumerate(node))


def jsonata_expressions_valid(document: Document) -> Iterator[Diagnostic]:
    """Every `{% ... %}` of a JSONata state parses (the error says at which character)."""
    from engine.language.jsonata import compile_expression, is_expression

    for state in states(document):
        if state.language != "JSONata":
            continue
        for root, value in _query_places(state):
            for path, text in _strings(root, value):
                if not is_expression(text):
                    continue
                try:
                    compile_expression(text)
                except ExpressionError as error:
                    where = field_path(path[len(state.path) :])
                    message = f"state {state.name!r}: {where}: {error}"
                    yield document.diagnostic(message, path)


def jsonata_values_are_expressions(document: Document) -> Iterator[Diagnostic]:
    """A string in a number or Condition field of a JSONata state must be exactly `{% ... %}`:
    AWS reads ` {% 1 %} ` (spaces outside the braces) as text, which such a field cannot hold."""
    from engine.language.jsonata import is_expression

    for state in states(document):
        if state.language != "JSONata":
            continue
        for path, value in _query_places(state):
            if path[-1] in NOT_TEXT and isinstance(value, str) and not is_expression(value):
                where = field_path(path[len(state.path) :])
                message = (
                    f"state {state.name!r}: {where} is the text {show(value)}, not a JSONata "
                    "expression: write it as '{% ... %}' with nothing outside the braces"
                )
                yield document.diagnostic(message, path)
