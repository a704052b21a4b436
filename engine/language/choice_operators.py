"""The table of Choice comparison operators: operand kinds and how each compares.

One entry per operator name; `choice.py` derives the `...Path` forms. A value of the wrong kind
makes a comparison false, as AWS does.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from engine.language.scope import Json
from engine.language.timestamps import instant, is_timestamp


@dataclass(frozen=True)
class Comparison:
    test: Callable[[Json, Json], bool]
    accepts: Callable[[Json], bool]
    operand_kind: str
    prepare: Callable[[Json], Json] = lambda operand: operand
    has_path_form: bool = True


def _is_number(value: Json) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_string(value: Json) -> bool:
    return isinstance(value, str)


def _is_boolean(value: Json) -> bool:
    return isinstance(value, bool)


def _utf16(text: str) -> bytes:
    # AWS (Java) orders strings by UTF-16 code units; big-endian bytes sort the same way.
    return text.encode("utf-16-be", "surrogatepass")


def _strings(compare: Callable[[bytes, bytes], bool]) -> Callable[[Json, Json], bool]:
    def test(value: Json, other: Json) -> bool:
        return _is_string(value) and _is_string(other) and compare(_utf16(value), _utf16(other))

    return test


def _numbers(compare: Callable[[Json, Json], bool]) -> Callable[[Json, Json], bool]:
    def test(value: Json, other: Json) -> bool:
        return _is_number(value) and _is_number(other) and compare(value, other)

    return test


def _timestamps(compare: Callable[[Json, Json], bool]) -> Callable[[Json, Json], bool]:
    def test(value: Json, other: Json) -> bool:
        left, right = instant(value), instant(other)
        return left is not None and right is not None and compare(left, right)

    return test


def _boolean_equals(value: Json, other: Json) -> bool:
    return _is_boolean(value) and _is_boolean(other) and value == other


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """StringMatches: `*` matches any run of characters; `\\*` and `\\\\` are literal."""
    parts, at = [], 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\" and at + 1 < len(pattern):
            parts.append(re.escape(pattern[at + 1]))
            at += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        at += 1
    return re.compile("".join(parts), re.DOTALL)


def _string_matches(value: Json, pattern: re.Pattern[str]) -> bool:
    return _is_string(value) and pattern.fullmatch(value) is not None


_ORDER = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}

COMPARISONS: dict[str, Comparison] = {
    **{
        f"String{name}": Comparison(_strings(op), _is_string, "a string")
        for name, op in _ORDER.items()
    },
    **{
        f"Numeric{name}": Comparison(_numbers(op), _is_number, "a number")
        for name, op in _ORDER.items()
    },
    **{
        f"Timestamp{name}": Comparison(_timestamps(op), _is_string, "a timestamp string")
        for name, op in _ORDER.items()
    },
    "BooleanEquals": Comparison(_boolean_equals, _is_boolean, "true or false"),
    "StringMatches": Comparison(
        _string_matches, _is_string, "a string pattern", compile_pattern, has_path_form=False
    ),
}

TYPE_TESTS: dict[str, Callable[[Json], bool]] = {
    "IsNull": lambda value: value is None,
    "IsPresent": lambda value: True,
    "IsNumeric": _is_number,
    "IsString": _is_string,
    "IsBoolean": _is_boolean,
    "IsTimestamp": is_timestamp,
}
