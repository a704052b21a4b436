"""Semantic checks on JSONPath-mode expressions: paths, reference paths, `.$` fields, intrinsics.

The language layer's parsers decide what is valid (the same ones the compiled machine uses), so
the validator and the interpreter never disagree; this module only finds the strings and
places the errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from engine.definition.checks_choice import choice_rules
from engine.definition.document import Document, NodePath
from engine.definition.walk import State, states
from engine.definition.wording import field_path
from engine.errors import Diagnostic, ExpressionError

PATH_FIELDS = (
    "InputPath",
    "OutputPath",
    "ItemsPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
)
EXPRESSION_FIELDS = ("ErrorPath", "CausePath")
TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Assign", "Credentials")
NESTED_TEMPLATES = (("ItemReader", "Parameters"), ("ResultWriter", "Parameters"))


def _problem(
    document: Document, path: NodePath, state_path: NodePath, name: str, error: Exception
) -> Diagnostic:
    where = field_path(path[len(state_path) :])
    return document.diagnostic(f"state {name!r}: {where}: {error}", path)


def _check(parse: Callable[[str], Any], text: str) -> ExpressionError | None:
    try:
        parse(text)
    except ExpressionError as error:
        return error
    return None


def paths_valid(document: Document) -> Iterator[Diagnostic]:
    from engine.language.jsonpath import compile_path

    for state in states(document):
        if state.language != "JSONPath":
            continue
        for field in PATH_FIELDS:
            value = state.body.get(field)
            if isinstance(value, str) and (error := _check(compile_path, value)):
                yield _problem(document, state.at(field), state.path, state.name, error)
        for field in EXPRESSION_FIELDS:
            value = state.body.get(field)
            if isinstance(value, str) and (error := _expression_error(field, value)):
                yield _problem(document, state.at(field), state.path, state.name, error)


def result_paths_valid(document: Document) -> Iterator[Diagnostic]:
    from engine.language.reference import compile_reference_path

    for state in states(document):
        if state.language != "JSONPath":
            continue
        places = [(state.at("ResultPath"), state.body.get("ResultPath"))]
        catchers = state.body.get("Catch")
        for index, catcher in enumerate(catchers if isinstance(catchers, list) else []):
            if isinstance(catcher, dict):
                places.append((state.at("Catch", index, "ResultPath"), catcher.get("ResultPath")))
        for path, value in places:
            if isinstance(value, str) and (error := _check(compile_reference_path, value)):
                yield _problem(document, path, state.path, state.name, error)


def choice_paths_valid(document: Document) -> Iterator[Diagnostic]:
    from engine.language.jsonpath import compile_path

    for state in states(document):
        if state.language != "JSONPath":
            continue
        for path, rule, _ in choice_rules(state):
            for key, value in rule.items():
                is_path = key == "Variable" or (key.endswith("Path") and key != "Variable")
                if is_path and isinstance(value, str) and (error := _check(compile_path, value)):
                    yield _problem(document, (*path, key), state.path, state.name, error)


def template_fields_valid(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        if state.language != "JSONPath":
            continue
        roots = [(state.at(field), state.body.get(field)) for field in TEMPLATE_FIELDS]
        for outer, inner in NESTED_TEMPLATES:
            holder = state.body.get(outer)
            if isinstance(holder, dict):
                roots.append((state.at(outer, inner), holder.get(inner)))
        for field in ("Choices", "Catch"):
            items = state.body.get(field)
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict):
                    roots.append((state.at(field, index, "Assign"), item.get("Assign")))
        for root, template in roots:
            for path, key, value in _dollar_fields(root, template):
                if error := _expression_error(key, value):
                    yield _problem(document, path, state.path, state.name, error)


def path_warnings(document: Document) -> Iterator[Diagnostic]:
    """Paths AWS accepts that cannot work when evaluated (a filter comparing with a bare word)."""
    from engine.language.jsonpath import compile_path

    for state in states(document):
        if state.language != "JSONPath":
            continue
        for path, text in _path_strings(state):
            if not (isinstance(text, str) and text.startswith("$")):
                continue
            try:
                warning = compile_path(text).warning
            except ExpressionError:
                continue  # reported as an error by the other checks
            if warning:
                where = field_path(path[len(state.path) :])
                message = f"state {state.name!r}: {where}: {warning}"
                yield document.diagnostic(message, path, severity="warning")


def _path_strings(state: State) -> Iterator[tuple[NodePath, str]]:
    """Every string of a JSONPath state that is evaluated as a path."""
    for field in PATH_FIELDS:
        yield state.at(field), state.body.get(field)
    for path, rule, _ in choice_rules(state):
        for key, value in rule.items():
            if key == "Variable" or key.endswith("Path"):
                yield (*path, key), value
    for field in TEMPLATE_FIELDS:
        yield from (
            (path, value)
            for path, _, value in _dollar_fields(state.at(field), state.body.get(field))
        )


def _dollar_fields(root: NodePath, template: Any) -> Iterator[tuple[NodePath, str, Any]]:
    """Every `"name.$": value` inside a template, with the value's path."""
    pending = [(root, template)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith(".$"):
                    yield (*path, key), key, value
                else:
                    pending.append(((*path, key), value))
        elif isinstance(node, list):
            pending.extend(((*path, index), item) for index, item in enumerate(node))


def _expression_error(key: str, value: Any) -> ExpressionError | None:
    from engine.language.template import compile_expression

    try:
        compile_expression(key, value)
    except ExpressionError as error:
        return error
    return None
