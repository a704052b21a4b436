"""JSONPath filter expressions, evaluated as Jayway (and so AWS) evaluates them."""

import pytest

from engine.errors import ExpressionError
from engine.language.jsonpath import compile_path
from engine.language.scope import Scope

DATA = {
    "min": 2,
    "nums": [1, 5, 3, "4"],
    "items": [
        {"id": 1, "a": 1, "b": "x", "t": [1, 2]},
        {"id": 2, "a": 3, "b": "y", "t": []},
        {"id": 3, "a": 5, "nested": {"deep": True}},
        {"id": 4, "a": 1.5, "b": "X-ray", "t": [2]},
    ],
}


def ids(path):
    return [item["id"] for item in compile_path(path).select(DATA, Scope())]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("$.items[?(@.a > 1)]", [2, 3, 4]),
        ("$.items[?(@.a == 1.0)]", [1]),
        ("$.items[?(@.a == '3')]", [2]),
        ("$.items[?(@.b == 'x')]", [1]),
        ('$.items[?(@.b != "x")]', [2, 3, 4]),
        ("$.items[?(@.b < 'y')]", [1, 4]),
        ("$.items[?(@.a >= $.min)]", [2, 3]),
        ("$.items[?(@.a > 1 && @.b)]", [2, 4]),
        ("$.items[?(@.a > 4 || @.b == 'x')]", [1, 3]),
        ("$.items[?(!@.b)]", [3]),
        ("$.items[?(@.nested.deep == true)]", [3]),
        ("$.items[?(@.b =~ /x.*/)]", [1]),
        ("$.items[?(@.b =~ /x.*/i)]", [1, 4]),
        ("$.items[?(@.b =~ /ra/)]", []),
        ("$.items[?(@.a in [1, 5])]", [1, 3]),
        ("$.items[?(@.a nin [1, 5])]", [2, 4]),
        ("$.items[?(@.t subsetof [1, 2, 3])]", [1, 2, 4]),
        ("$.items[?(@.t anyof [2])]", [1, 4]),
        ("$.items[?(@.t noneof [2])]", [2]),
        ("$.items[?(@.t size 1)]", [4]),
        ("$.items[?(@.b size 1)]", [1, 2]),
        ("$.items[?(@.t empty true)]", [2]),
        ("$.items[?(@.t empty false)]", [1, 4]),
        ("$.items[?((@.a < 2 || @.a > 4) && !(@.b == 'x'))]", [3, 4]),
        ("$.items[?(@.t[0] == 2)]", [4]),
        ("$.items[?(@.missing == 1)]", []),
        ("$.items[?(@.missing != 1)]", [1, 2, 3, 4]),
        ("$.items[?(@.b > 1)]", []),
        ("$..[?(@.a > 2)]", [2, 3]),
    ],
)
def test_filters_select_what_jayway_selects(path, expected):
    assert ids(path) == expected


def test_filters_on_scalars_and_objects():
    # AWS documents that @ matches objects only, never scalar items.
    assert compile_path("$.nums[?(@ > 2)]").select(DATA, Scope()) == []
    assert compile_path("$.items[2].nested[?(@.deep)]").select(DATA, Scope()) == [{"deep": True}]
    assert compile_path("$.min[?(@ > 1)]").select(DATA, Scope()) == []


@pytest.mark.parametrize(
    "path",
    [
        "$[?(@.a ==)]",
        "$[?(1)]",
        "$[?@.a]",
        "$[?(@.a == 1) junk]",
        "$[?(@.a == 'x)]",
        "$[?(@.a =~ /[/)]",
        "$[?(@.a && )]",
        "$[?((@.a)]",
        "$[?(@.a == [1,)]",
        "$[?($$.x)]",
    ],
)
def test_bad_filters_fail_at_compile_time(path):
    with pytest.raises(ExpressionError):
        compile_path(path)
