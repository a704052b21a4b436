"""JSON values as AWS compares and prints them: 1, 1.0 and true are three different values.

Python's `True == 1` and `1 == 1.0` would blur kinds that AWS (Jackson) keeps apart.
"""

from __future__ import annotations

import json

from engine.language.scope import Json


def kind(value: Json) -> str:
    """The JSON kind of a value, with integers and non-integral numbers kept apart."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def json_equal(left: Json, right: Json) -> bool:
    """Deep equality that tells booleans, integers and floats apart."""
    if kind(left) != kind(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(json_equal(v, right[k]) for k, v in left.items())
    return left == right


def json_key(value: Json) -> object:
    """A hashable stand-in for a value, equal exactly when `json_equal` says so."""
    if isinstance(value, list):
        return ("array", tuple(json_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((k, json_key(v)) for k, v in value.items()))
    return (kind(value), value)


def dumps(value: Json) -> str:
    """Compact JSON text, as AWS prints values in outputs and error causes."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
