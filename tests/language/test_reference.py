"""ResultPath placement, copy-on-write, and States.ResultPathMatchFailure."""

import pytest

from engine.errors import AslError, ExpressionError
from engine.language.reference import compile_reference_path


def apply(text, data, value):
    return compile_reference_path(text).apply(data, value)


def test_dollar_replaces_the_input():
    assert apply("$", {"a": 1}, "result") == "result"


def test_merges_into_the_input_without_mutating_it():
    data = {"a": 1, "keep": {"x": 1}}
    out = apply("$.b", data, {"r": 2})
    assert out == {"a": 1, "keep": {"x": 1}, "b": {"r": 2}}
    assert data == {"a": 1, "keep": {"x": 1}}
    assert out["keep"] is data["keep"]


def test_replaces_an_existing_field_in_place_order():
    assert list(apply("$.a", {"a": 1, "b": 2}, 9).items()) == [("a", 9), ("b", 2)]


def test_creates_missing_objects_on_the_way():
    assert apply("$.x.y.z", {"a": 1}, 3) == {"a": 1, "x": {"y": {"z": 3}}}
    assert apply("$['x y'].z", {}, 3) == {"x y": {"z": 3}}


def test_replaces_an_array_element():
    data = {"list": [1, 2, 3]}
    assert apply("$.list[1]", data, "two") == {"list": [1, "two", 3]}
    assert data == {"list": [1, 2, 3]}


@pytest.mark.parametrize(
    "text, data",
    [
        ("$.a", "a string"),
        ("$.a", [1, 2]),
        ("$.a.b", {"a": 5}),
        ("$.a.b", {"a": None}),
        ("$.l[5]", {"l": [1]}),
    ],
)
def test_cannot_place_is_result_path_match_failure(text, data):
    with pytest.raises(AslError) as raised:
        apply(text, data, 1)
    assert raised.value.error == "States.ResultPathMatchFailure"
    assert raised.value.cause.startswith(f"Unable to apply ReferencePath {text} to input ")


def test_failure_cause_quotes_the_input_as_json_text():
    with pytest.raises(AslError) as raised:
        apply("$.a", "x", 1)
    assert raised.value.cause == 'Unable to apply ReferencePath $.a to input "\\"x\\""'


@pytest.mark.parametrize(
    "text",
    [
        "$.a[*]",
        "$..a",
        "$.a[?(@.x)]",
        "$$.Execution",
        "$var.x",
        "nope",
        "$.a[1:]",
        "$['a','b']",
        "$.a.length()",
    ],
)
def test_only_definite_data_paths_are_reference_paths(text):
    with pytest.raises(ExpressionError):
        compile_reference_path(text)
