"""JSON values as AWS keeps them apart (1, 1.0, true) and prints them (Java doubles)."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.language.intrinsics import compile_call
from engine.language.scope import Scope
from engine.language.values import dumps, java_double, json_equal, json_key, kind


@pytest.mark.parametrize(
    "number, text",
    [
        (1.0, "1.0"),
        (1.1, "1.1"),
        (100.0, "100.0"),
        (-2.5, "-2.5"),
        (0.001, "0.001"),
        (9999999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"),
        (0.0001, "1.0E-4"),
        (1e21, "1.0E21"),
        (-1.5e-10, "-1.5E-10"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
    ],
)
def test_floats_print_as_java_doubles(number, text):
    assert java_double(number) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_java_doubles_read_back_as_the_same_number(number):
    assert float(java_double(number).replace("E", "e")) == number


def test_dumps_is_compact_and_keeps_integers_apart():
    assert dumps({"a": [1, 1.0, True, None, "é"], "b": {}}) == '{"a":[1,1.0,true,null,"é"],"b":{}}'


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda x: st.lists(x) | st.dictionaries(st.text(), x),
    )
)
def test_dumps_is_json(value):
    assert json.loads(dumps(value)) == value


def test_kinds_and_equality():
    assert [kind(v) for v in (None, True, 1, 1.0, "s", [], {})] == [
        "null",
        "boolean",
        "integer",
        "number",
        "string",
        "array",
        "object",
    ]
    assert not json_equal(1, 1.0) and not json_equal(1, True) and not json_equal(0, False)
    assert json_equal({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]})
    assert not json_equal({"a": 1}, {"a": 1, "b": 2})
    assert json_key([1, {"x": 2}]) == json_key([1, {"x": 2}])
    assert json_key([1]) != json_key([1.0]) != json_key([True])


def test_intrinsics_print_floats_like_aws():
    scope = Scope()
    assert compile_call("States.Format('{}', 1e7)").evaluate(None, scope) == "1.0E7"
    assert compile_call("States.JsonToString($)").evaluate([0.0001, 2], scope) == "[1.0E-4,2]"
