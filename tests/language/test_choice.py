"""Choice rules: every operator, its Path form, type tests, boolean combinators, errors."""

import pytest

from engine.errors import AslError, ExpressionError
from engine.language.choice import compile_rule
from engine.language.scope import Scope

SCOPE = Scope(context={"State": {"Name": "S"}}, variables={"limit": 10})


def matches(rule, data):
    return compile_rule(rule).matches(data, SCOPE)


def rule(operator, operand, variable="$.v"):
    return {"Variable": variable, operator: operand, "Next": "X"}


@pytest.mark.parametrize(
    "operator, operand, value, expected",
    [
        ("StringEquals", "a", "a", True),
        ("StringEquals", "a", "b", False),
        ("StringEquals", "1", 1, False),
        ("StringLessThan", "b", "a", True),
        ("StringLessThan", "a", "a", False),
        ("StringGreaterThan", "a", "b", True),
        ("StringLessThanEquals", "a", "a", True),
        ("StringGreaterThanEquals", "b", "a", False),
        ("StringLessThan", "\uff61", "\U0001f600", True),
        ("NumericEquals", 1, 1, True),
        ("NumericEquals", 1, 1.0, True),
        ("NumericEquals", 1, True, False),
        ("NumericEquals", 0, "0", False),
        ("NumericLessThan", 2, 1.5, True),
        ("NumericGreaterThan", 2, 2, False),
        ("NumericLessThanEquals", 2, 2, True),
        ("NumericGreaterThanEquals", 2.5, 3, True),
        ("BooleanEquals", True, True, True),
        ("BooleanEquals", False, 0, False),
        ("BooleanEquals", True, "true", False),
        ("TimestampEquals", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", True),
        ("TimestampEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000000001Z", False),
        ("TimestampLessThan", "2024-01-01T00:00:00Z", "2023-12-31T23:59:59.5Z", True),
        ("TimestampGreaterThan", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00-00:01", True),
        ("TimestampLessThanEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True),
        ("TimestampGreaterThanEquals", "2024-01-01T00:00:00Z", "2023-01-01T00:00:00Z", False),
        ("TimestampEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00", False),
        ("TimestampEquals", "2024-01-01T00:00:00Z", 5, False),
        ("StringMatches", "log-*.txt", "log-2024.txt", True),
        ("StringMatches", "log-*.txt", "log-2024.csv", False),
        ("StringMatches", "*", "", True),
        ("StringMatches", "a\\*b", "a*b", True),
        ("StringMatches", "a\\*b", "axxb", False),
        ("StringMatches", "a\\\\*", "a\\anything", True),
        ("StringMatches", "a.c", "abc", False),
        ("StringMatches", "*", 1, False),
    ],
)
def test_comparisons(operator, operand, value, expected):
    assert matches(rule(operator, operand), {"v": value}) is expected


@pytest.mark.parametrize(
    "operator, value, other, expected",
    [
        ("StringEqualsPath", "a", "a", True),
        ("StringLessThanPath", "a", "b", True),
        ("NumericEqualsPath", 0, 0.0, True),
        ("NumericGreaterThanPath", 1, 0, True),
        ("BooleanEqualsPath", False, False, True),
        ("BooleanEqualsPath", 0, False, False),
        ("TimestampLessThanPath", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", True),
        ("TimestampEqualsPath", "2020-01-01T00:00:00Z", "nope", False),
    ],
)
def test_path_forms_compare_against_another_path(operator, value, other, expected):
    assert matches(rule(operator, "$.other"), {"v": value, "other": other}) is expected


def test_path_forms_read_variables_and_context():
    assert matches(rule("NumericLessThanPath", "$limit"), {"v": 3})
    assert matches(rule("StringEquals", "S", variable="$$.State.Name"), {})
    assert matches(rule("NumericEquals", 10, variable="$limit"), {})


@pytest.mark.parametrize(
    "operator, value, expected",
    [
        ("IsNull", None, True),
        ("IsNull", 0, False),
        ("IsNumeric", 1.5, True),
        ("IsNumeric", True, False),
        ("IsNumeric", "1", False),
        ("IsString", "", True),
        ("IsString", [], False),
        ("IsBoolean", False, True),
        ("IsBoolean", 0, False),
        ("IsTimestamp", "2016-03-14T01:59:00Z", True),
        ("IsTimestamp", "2016-03-14T01:59:00.123+05:30", True),
        ("IsTimestamp", "2016-03-14T01:59:00", False),
        ("IsTimestamp", "2016-13-14T01:59:00Z", False),
        ("IsTimestamp", "2016-03-14 01:59:00Z", False),
        ("IsTimestamp", 1457920740, False),
        ("IsPresent", None, True),
    ],
)
def test_type_tests(operator, value, expected):
    assert matches(rule(operator, True), {"v": value}) is expected
    assert matches(rule(operator, False), {"v": value}) is not expected


def test_is_present_does_not_raise_for_missing_paths():
    assert matches(rule("IsPresent", False), {}) is True
    assert matches(rule("IsPresent", True, "$.a.b.c"), {"a": 1}) is False
    assert matches(rule("IsPresent", True, "$undefined"), {}) is False


@pytest.mark.parametrize(
    "choice",
    [
        rule("StringEquals", "x", "$.missing"),
        rule("IsNull", True, "$.missing"),
        rule("StringEqualsPath", "$.missing"),
        rule("NumericEquals", 1, "$nope"),
    ],
)
def test_missing_variable_or_operand_path_is_a_runtime_error(choice):
    with pytest.raises(AslError) as raised:
        matches(choice, {"v": "x"})
    assert raised.value.error == "States.Runtime"


def test_and_or_not():
    low = rule("NumericLessThan", 5)
    even = rule("StringMatches", "*even", "$.kind")
    assert matches({"And": [low, even], "Next": "X"}, {"v": 1, "kind": "is-even"})
    assert not matches({"And": [low, even], "Next": "X"}, {"v": 9, "kind": "is-even"})
    assert matches({"Or": [low, even], "Next": "X"}, {"v": 9, "kind": "is-even"})
    assert matches({"Not": low, "Next": "X"}, {"v": 9})
    nested = {"Not": {"Or": [low, {"And": [even, {"Not": low}]}]}, "Next": "X"}
    assert matches(nested, {"v": 7, "kind": "odd"})


def test_or_stops_at_the_first_match():
    short = {"Or": [rule("IsPresent", True), rule("StringEquals", "x", "$.missing")]}
    assert matches(short, {"v": 1})


@pytest.mark.parametrize(
    "bad",
    [
        {"Next": "X"},
        {"Variable": "$.v", "Next": "X"},
        {"Variable": "$.v", "StringEquals": "a", "NumericEquals": 1},
        {"Variable": "$.v", "Foo": 1},
        {"Variable": "v", "StringEquals": "a"},
        {"Variable": "$.v", "StringEquals": 1},
        {"Variable": "$.v", "NumericEquals": "1"},
        {"Variable": "$.v", "NumericEquals": True},
        {"Variable": "$.v", "BooleanEquals": "true"},
        {"Variable": "$.v", "IsNull": "yes"},
        {"Variable": "$.v", "StringMatchesPath": "$.p"},
        {"Variable": "$.v", "StringEqualsPath": "not a path"},
        {"And": []},
        {"And": {"Variable": "$.v", "IsNull": True}},
        {"Not": {"Variable": "$.v", "IsNull": True}, "Variable": "$.v"},
        [],
    ],
)
def test_bad_rules_fail_at_compile_time(bad):
    with pytest.raises(ExpressionError):
        compile_rule(bad)


def test_intrinsic_calls_stand_in_for_paths():
    data = {"items": [1, 2, 3], "limit": 2}
    assert matches(rule("NumericGreaterThan", 2, "States.ArrayLength($.items)"), data)
    assert matches(rule("NumericLessThanPath", "States.ArrayLength($.items)", "$.limit"), data)
    assert matches(rule("IsPresent", True, "States.ArrayLength($.items)"), data)
    assert matches(rule("IsPresent", False, "States.ArrayLength($.nope)"), data)
    with pytest.raises(ExpressionError):
        compile_rule(rule("IsNull", True, "States.Nope()"))
