"""JSON data as sfn takes it: the first problem with its path, and strict parsing."""

from __future__ import annotations

import datetime
import enum
import sys
from collections import OrderedDict

import pytest

from engine.language.json_data import MAX_NESTING, json_problem, loads


def nested(levels: int) -> list:
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"t": datetime.datetime(2026, 1, 1)}, "$.t: datetime is not JSON"),
        ({"a": [1, {2}]}, "$.a[1]: set is not JSON"),
        ({"odd key": b"x"}, '$["odd key"]: bytes is not JSON'),
        ([{"v": float("nan")}], "$[0].v: NaN is not JSON"),
        ({"v": float("inf")}, "$.v: Infinity is not JSON"),
        ({"v": -float("inf")}, "$.v: -Infinity is not JSON"),
        ({"k": {("a",): 1}}, "$.k: the key ('a',) (tuple) is not a string"),
        (object(), "$: object is not JSON"),
    ],
)
def test_the_first_problem_is_named_with_its_path(value, problem) -> None:
    assert json_problem(value) == problem


def test_plain_json_data_has_no_problem() -> None:
    value = {"s": "x", "i": 1, "f": 1.5, "b": True, "n": None, "l": [1, (2, 3)], "o": {}}
    assert json_problem(value) is None
    assert json_problem(nested(MAX_NESTING)) is None


class Level(enum.IntEnum):
    LOW = 1


class Text(str):
    pass


def test_subclasses_of_json_types_are_json_data_and_their_problems_are_named() -> None:
    """Exact JSON types are answered by a fast walk; subclasses by the walk that names."""
    assert json_problem(OrderedDict(a=[Text("x"), Level.LOW, (True, None)])) is None
    assert json_problem([OrderedDict(a={"b": {1.5}})]) == "$[0].a.b: set is not JSON"
    assert json_problem({"a": [{1: "x"}]}) == "$.a[0]: the key 1 (int) is not a string"


def test_a_deep_caller_stack_gives_the_same_answers() -> None:
    def at_depth(frames: int, value: object) -> str | None:
        return json_problem(value) if frames == 0 else at_depth(frames - 1, value)

    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    # 50 frames left: too few for MAX_NESTING recursive ones, enough for the iterative walk.
    frames = sys.getrecursionlimit() - depth - 50
    assert at_depth(frames, nested(MAX_NESTING)) is None
    assert at_depth(frames, [nested(MAX_NESTING), {"v": float("nan")}]) == "$[1].v: NaN is not JSON"
    assert at_depth(frames, nested(MAX_NESTING + 1)).startswith("nested more than")


def test_data_nested_past_the_limit_is_a_problem_not_a_recursion_error() -> None:
    for levels in (MAX_NESTING + 1, 3000, 100_000):
        problem = json_problem(nested(levels))
        assert problem is not None and problem.startswith(f"nested more than {MAX_NESTING}")
        assert len(problem) < 120  # the path is shortened


def test_loads_refuses_what_only_python_reads_as_json() -> None:
    assert loads('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    for text in ("NaN", "[Infinity]", '{"a": -Infinity}'):
        with pytest.raises(ValueError, match="is not a JSON value"):
            loads(text)


@pytest.mark.parametrize("levels", [MAX_NESTING + 1, 1000, 100_000])
def test_loads_refuses_text_nested_past_the_limit(levels: int) -> None:
    with pytest.raises(ValueError, match=f"nested more than {MAX_NESTING} levels deep"):
        loads("[" * levels + "]" * levels)
    assert loads("[" * MAX_NESTING + "]" * MAX_NESTING) == nested(MAX_NESTING)
