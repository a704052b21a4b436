"""Choice rules in JSONPath mode: comparisons, type tests, And/Or/Not, compiled once.

As AWS evaluates them: a comparison whose operands are of the wrong kind is false, a missing
`Variable` (or `...Path` operand) is States.Runtime, except for IsPresent, which tests exactly that.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import AslError, ExpressionError
from engine.language.choice_operators import COMPARISONS, TYPE_TESTS, Comparison
from engine.language.intrinsics import IntrinsicCall, compile_call, is_intrinsic
from engine.language.jsonpath import JsonPath, compile_path
from engine.language.scope import Json, Scope


@dataclass(frozen=True)
class CallValue:
    """An intrinsic call where AWS allows one in place of a path (Variable, ...Path)."""

    call: IntrinsicCall

    def select(self, data: Json, scope: Scope) -> Json:
        return self.call.evaluate(data, scope)

    def exists(self, data: Json, scope: Scope) -> bool:
        try:
            self.call.evaluate(data, scope)
        except AslError:
            return False
        return True


Value = JsonPath | CallValue

# Fields of a Choice rule that are not part of its condition.
_NOT_CONDITION = {"Next", "Comment", "Assign", "Output"}


@dataclass(frozen=True)
class Compare:
    variable: Value
    operator: str
    test: Callable[[Json, Json], bool]
    operand: Json = None
    operand_path: Value | None = None

    def matches(self, data: Json, scope: Scope) -> bool:
        value = self.variable.select(data, scope)
        other = self.operand if self.operand_path is None else self.operand_path.select(data, scope)
        return self.test(value, other)


@dataclass(frozen=True)
class IsPresent:
    variable: Value
    expected: bool

    def matches(self, data: Json, scope: Scope) -> bool:
        return self.variable.exists(data, scope) == self.expected


@dataclass(frozen=True)
class TypeTest:
    variable: Value
    operator: str
    test: Callable[[Json], bool]
    expected: bool

    def matches(self, data: Json, scope: Scope) -> bool:
        return self.test(self.variable.select(data, scope)) == self.expected


@dataclass(frozen=True)
class And:
    rules: tuple[ChoiceRule, ...]

    def matches(self, data: Json, scope: Scope) -> bool:
        return all(rule.matches(data, scope) for rule in self.rules)


@dataclass(frozen=True)
class Or:
    rules: tuple[ChoiceRule, ...]

    def matches(self, data: Json, scope: Scope) -> bool:
        return any(rule.matches(data, scope) for rule in self.rules)


@dataclass(frozen=True)
class Not:
    rule: ChoiceRule

    def matches(self, data: Json, scope: Scope) -> bool:
        return not self.rule.matches(data, scope)


ChoiceRule = Compare | IsPresent | TypeTest | And | Or | Not


def compile_rule(rule: dict) -> ChoiceRule:
    """Compile one Choice rule (its Next/Assign/Comment are ignored); ExpressionError if bad."""
    if not isinstance(rule, dict):
        raise ExpressionError(f"a Choice rule must be an object, not {json.dumps(rule)}")
    fields = {key: value for key, value in rule.items() if key not in _NOT_CONDITION}
    if "And" in fields or "Or" in fields:
        return _compile_list(fields)
    if "Not" in fields:
        _only(fields, {"Not"})
        return Not(compile_rule(fields["Not"]))
    return _compile_comparison(fields)


def _compile_list(fields: dict) -> ChoiceRule:
    name = "And" if "And" in fields else "Or"
    _only(fields, {name})
    rules = fields[name]
    if not isinstance(rules, list) or not rules:
        raise ExpressionError(f"{name} must be a non-empty array of Choice rules")
    compiled = tuple(compile_rule(rule) for rule in rules)
    return And(compiled) if name == "And" else Or(compiled)


def _compile_comparison(fields: dict) -> ChoiceRule:
    if "Variable" not in fields:
        raise ExpressionError(
            f"a Choice rule needs a Variable and a comparison, or And/Or/Not: {json.dumps(fields)}"
        )
    operators = [key for key in fields if key != "Variable"]
    if len(operators) != 1:
        listed = ", ".join(operators) or "none"
        raise ExpressionError(f"a Choice rule needs exactly one comparison, found {listed}")
    variable = _compile_value("Variable", fields["Variable"])
    operator = operators[0]
    operand = fields[operator]
    if operator in TYPE_TESTS:
        if not isinstance(operand, bool):
            raise ExpressionError(f"{operator} takes true or false, not {json.dumps(operand)}")
        if operator == "IsPresent":
            return IsPresent(variable, operand)
        return TypeTest(variable, operator, TYPE_TESTS[operator], operand)
    base = operator.removesuffix("Path")
    if base != operator and base in COMPARISONS and COMPARISONS[base].has_path_form:
        comparison = COMPARISONS[base]
        path = _compile_value(operator, operand)
        return Compare(variable, operator, comparison.test, operand_path=path)
    if operator in COMPARISONS:
        comparison = COMPARISONS[operator]
        _check_operand(operator, comparison, operand)
        return Compare(variable, operator, comparison.test, comparison.prepare(operand))
    raise ExpressionError(f"unknown Choice comparison operator {operator!r}")


def _check_operand(operator: str, comparison: Comparison, operand: Json) -> None:
    if not comparison.accepts(operand):
        shown = json.dumps(operand)
        raise ExpressionError(f"{operator} needs {comparison.operand_kind}, not {shown}")


def _compile_value(field: str, value: Json) -> Value:
    if is_intrinsic(value):
        return CallValue(compile_call(value))
    if not isinstance(value, str) or not value.startswith("$"):
        raise ExpressionError(
            f"{field} must be a path (starting with '$') or an intrinsic call, not {value!r}"
        )
    return compile_path(value)


def _only(fields: dict, allowed: set[str]) -> None:
    extra = sorted(set(fields) - allowed)
    if extra:
        names = "/".join(sorted(allowed))
        raise ExpressionError(f"a Choice rule with {names} cannot also have {extra}")
