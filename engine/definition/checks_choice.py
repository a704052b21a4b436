"""Semantic checks on Choice rules: one comparison each, Variable, And/Or/Not nesting, Condition.

JSONPath rules compare a Variable with one operator or combine rules; JSONata rules hold one
Condition. Only top-level rules name a Next state.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.definition.document import Document, NodePath
from engine.definition.walk import State, states
from engine.definition.wording import field_path
from engine.errors import Diagnostic

COMBINATORS = ("And", "Or", "Not")
VALUE_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")
_FAMILIES = ("String", "Numeric", "Timestamp")
_ORDERS = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
COMPARISONS = (
    *(family + order for family in _FAMILIES for order in _ORDERS),
    *(family + order + "Path" for family in _FAMILIES for order in _ORDERS),
    "StringMatches",
    "BooleanEquals",
    "BooleanEqualsPath",
    *VALUE_TESTS,
)
JSONPATH_RULE_FIELDS = ("Variable", *COMPARISONS, *COMBINATORS)
TOP_LEVEL_ONLY = ("Next", "Assign", "Output")


def choice_rules(state: State) -> Iterator[tuple[NodePath, dict, bool]]:
    """Every rule of a Choice state, nested ones too: (path, rule, is_top_level)."""
    rules = state.body.get("Choices") if state.type == "Choice" else None
    pending = [
        (state.at("Choices", index), rule, True)
        for index, rule in enumerate(rules if isinstance(rules, list) else [])
    ]
    while pending:
        path, rule, top = pending.pop(0)
        if not isinstance(rule, dict):
            continue
        yield path, rule, top
        for name in ("And", "Or"):
            if isinstance(rule.get(name), list):
                pending.extend(((*path, name, i), sub, False) for i, sub in enumerate(rule[name]))
        if "Not" in rule:
            pending.append(((*path, "Not"), rule["Not"], False))


def _where(state: State, path: NodePath) -> str:
    return f"state {state.name!r}: {field_path(path[len(state.path) :])}"


def _jsonpath_rules(document: Document) -> Iterator[tuple[State, NodePath, dict, bool]]:
    for state in states(document):
        if state.language == "JSONPath":
            for path, rule, top in choice_rules(state):
                yield state, path, rule, top


def rule_has_one_comparison(document: Document) -> Iterator[Diagnostic]:
    for state, path, rule, _ in _jsonpath_rules(document):
        found = [key for key in rule if key in COMPARISONS or key in COMBINATORS]
        if len(found) > 1:
            listed = ", ".join(found)
            message = (
                f"{_where(state, path)} has more than one comparison ({listed}); "
                "a rule has exactly one: combine several with And or Or"
            )
            yield document.diagnostic(message, (*path, found[1]), at_key=True)
        elif not found and "Condition" not in rule:
            message = (
                f"{_where(state, path)} has no comparison: give a Variable and one operator "
                "such as StringEquals or NumericGreaterThan, or And/Or/Not"
            )
            yield document.diagnostic(message, path)


def rule_variable_present(document: Document) -> Iterator[Diagnostic]:
    for state, path, rule, _ in _jsonpath_rules(document):
        operators = [key for key in rule if key in COMPARISONS]
        combinators = [key for key in rule if key in COMBINATORS]
        if operators and not combinators and "Variable" not in rule:
            message = (
                f"{_where(state, path)} uses {operators[0]} but has no Variable "
                "(the path of the value to compare)"
            )
            yield document.diagnostic(message, path)
        elif combinators and "Variable" in rule:
            message = f"{_where(state, path)}: Variable is not allowed beside {combinators[0]}"
            yield document.diagnostic(message, (*path, "Variable"), at_key=True)


def rule_next_at_top_level(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        for path, rule, top in choice_rules(state):
            if top and "Next" not in rule:
                message = f"{_where(state, path)} needs Next: the state to run when it matches"
                yield document.diagnostic(message, path)
            for field in () if top else TOP_LEVEL_ONLY:
                if field in rule:
                    message = (
                        f"{_where(state, path)}: {field} is only allowed in a top-level "
                        "Choice rule, not inside And, Or or Not"
                    )
                    yield document.diagnostic(message, (*path, field), at_key=True)


def jsonata_rule_condition(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        if state.language != "JSONata":
            continue
        for path, rule, top in choice_rules(state):
            if not top:
                continue
            for key in rule:
                if key in JSONPATH_RULE_FIELDS:
                    message = (
                        f"{_where(state, path)}: {key} is JSONPath; in a JSONata state a rule "
                        "is a Condition: '{% ... %}'"
                    )
                    yield document.diagnostic(message, (*path, key), at_key=True)
            if "Condition" not in rule:
                message = f"{_where(state, path)} needs a Condition (a JSONata expression)"
                yield document.diagnostic(message, path)


def timestamp_operands(document: Document) -> Iterator[Diagnostic]:
    for state, path, rule, _ in _jsonpath_rules(document):
        from engine.language.timestamps import is_timestamp  # its pattern: only if needed

        for key, value in rule.items():
            if _is_timestamp_constant(key) and isinstance(value, str) and not is_timestamp(value):
                message = (
                    f"{_where(state, path)}: {key} needs an RFC 3339 timestamp such as "
                    f"2026-03-14T01:59:00Z, not {value!r}"
                )
                yield document.diagnostic(message, (*path, key))


def _is_timestamp_constant(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("Timestamp") and not key.endswith("Path")
