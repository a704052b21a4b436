"""JSON values as AWS compares and prints them: 1, 1.0 and true are three different values.

Python's `True == 1` and `1 == 1.0` would blur kinds that AWS (Jackson) keeps apart.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

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
    """Compact JSON text as AWS (Jackson) prints it: floats the way Java writes doubles."""
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, dict):
        fields = (f"{_string(key)}:{dumps(item)}" for key, item in value.items())
        return "{" + ",".join(fields) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _string(key: object) -> str:
    return json.dumps(str(key), ensure_ascii=False)


def java_double(number: float) -> str:
    """Java's Double.toString: plain between 1e-3 and 1e7, else `d.dddE<n>`; always a '.'."""
    if not math.isfinite(number):
        return json.dumps(number)
    if number == 0:
        return "-0.0" if math.copysign(1, number) < 0 else "0.0"
    sign, digits, exponent = Decimal(repr(number)).normalize().as_tuple()
    text = "".join(map(str, digits))
    scientific = len(text) + exponent - 1
    prefix = "-" if sign else ""
    if 1e-3 <= abs(number) < 1e7:
        point = len(text) + exponent
        if point <= 0:
            return f"{prefix}0.{'0' * -point}{text}"
        whole, fraction = text[:point].ljust(point, "0"), text[point:] or "0"
        return f"{prefix}{whole}.{fraction}"
    return f"{prefix}{text[0]}.{text[1:] or '0'}E{scientific}"
