"""The 18 intrinsic functions of the Amazon States Language, as AWS computes them.

Argument kinds are declared in each `@intrinsic` and checked by the registry; the bodies only
check what a kind cannot say (ranges, sizes, formats).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from decimal import Decimal

from engine.language.intrinsic_registry import ANY, NUMBER, failure, intrinsic
from engine.language.scope import Json, Scope
from engine.language.values import dumps, json_equal, json_key

MAX_STRING = 10_000
MAX_RANGE = 1_000
HASHES = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


@intrinsic("States.Format", (str,), varargs=ANY)
def format_(template: str, *values: Json) -> str:
    pieces = getattr(template, "pieces", None) or template.split("{}")
    if len(pieces) - 1 != len(values):
        raise failure(
            f"States.Format: the template has {len(pieces) - 1} placeholder(s) '{{}}' "
            f"but {len(values)} value(s) were given"
        )
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:], strict=True):
        out.append(java_text(value))
        out.append(piece)
    return "".join(out)


def java_text(value: Json) -> str:
    """A value as AWS's States.Format prints it: Java's toString of the parsed JSON (objects
    `{a=1, b=[x, y]}`, strings unquoted at any depth, doubles as Java prints them)."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool):
        return dumps(value)
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, list):
        return "[" + ", ".join(java_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={java_text(item)}" for key, item in value.items()) + "}"
    return str(value)


def _java_double(number: float) -> str:
    """Java's Double.toString: plain from 10^-3 to 10^7, else `d.dddE<n>`."""
    if number == 0 or 1e-3 <= abs(number) < 1e7:
        return repr(number)
    sign, digits, exponent = Decimal(repr(number)).normalize().as_tuple()
    text = "".join(map(str, digits))
    mantissa = f"{text[0]}.{text[1:] or '0'}"
    return f"{'-' if sign else ''}{mantissa}E{len(digits) - 1 + int(exponent)}"


@intrinsic("States.StringToJson", (str,))
def string_to_json(text: str) -> Json:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise failure(f"States.StringToJson: the argument is not valid JSON: {text!r}") from None


@intrinsic("States.JsonToString", (ANY,))
def json_to_string(value: Json) -> str:
    return dumps(value)


@intrinsic("States.Array", varargs=ANY)
def array(*values: Json) -> list:
    return list(values)


@intrinsic("States.ArrayPartition", (list, int))
def array_partition(items: list, size: int) -> list:
    if size <= 0:
        raise failure(f"States.ArrayPartition: the chunk size must be positive, but was {size}")
    return [items[start : start + size] for start in range(0, len(items), size)]


@intrinsic("States.ArrayContains", (list, ANY))
def array_contains(items: list, value: Json) -> bool:
    return any(json_equal(item, value) for item in items)


@intrinsic("States.ArrayRange", (int, int, int))
def array_range(start: int, end: int, step: int) -> list:
    if step == 0:
        raise failure("States.ArrayRange: the step must not be 0")
    count = max(0, (end - start) // step + 1)
    if count > MAX_RANGE:
        raise failure(
            f"States.ArrayRange: the result would have {count} items; {MAX_RANGE} at most"
        )
    return list(range(start, end + (1 if step > 0 else -1), step))


@intrinsic("States.ArrayGetItem", (list, int))
def array_get_item(items: list, index: int) -> Json:
    if not 0 <= index < len(items):
        raise failure(
            f"States.ArrayGetItem: index {index} is out of bounds for length {len(items)}"
        )
    return items[index]


@intrinsic("States.ArrayLength", (list,))
def array_length(items: list) -> int:
    return len(items)


@intrinsic("States.ArrayUnique", (list,))
def array_unique(items: list) -> list:
    seen: set[object] = set()
    unique = []
    for item in items:
        key = json_key(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


@intrinsic("States.Base64Encode", (str,))
def base64_encode(text: str) -> str:
    _limit("States.Base64Encode", text)
    return base64.b64encode(text.encode()).decode("ascii")


@intrinsic("States.Base64Decode", (str,))
def base64_decode(text: str) -> str:
    _limit("States.Base64Decode", text)
    try:
        return base64.b64decode(text.encode("ascii"), validate=True).decode()
    except (ValueError, binascii.Error):
        raise failure(f"States.Base64Decode: the argument is not valid Base64: {text!r}") from None


@intrinsic("States.Hash", (ANY, str))
def hash_(data: Json, algorithm: str) -> str:
    if algorithm not in HASHES:
        raise failure(
            f"States.Hash: the algorithm {algorithm!r} is not supported; "
            f"use one of {', '.join(HASHES)}"
        )
    text = data if isinstance(data, str) else dumps(data)
    _limit("States.Hash", text)
    return hashlib.new(HASHES[algorithm], text.encode()).hexdigest()


@intrinsic("States.JsonMerge", (dict, dict, bool))
def json_merge(left: dict, right: dict, deep: bool) -> dict:
    if deep:
        raise failure(
            "States.JsonMerge: deep merging is not supported; the third argument must be false"
        )
    return {**left, **right}


@intrinsic("States.MathRandom", (int, int, int), optional=1, needs_scope=True)
def math_random(scope: Scope, start: int, end: int, seed: int | None = None) -> int:
    if end <= start:
        raise failure(f"States.MathRandom: the end ({end}) must be greater than the start {start}")
    if seed is not None:
        return start + _SeededRandom(seed).next_int(end - start)
    return start + math.floor(scope.random() * (end - start))


@intrinsic("States.MathAdd", (NUMBER, NUMBER))
def math_add(left: int | float, right: int | float) -> int:
    # AWS rounds each operand half up (Java's Math.round) and adds integers.
    return math.floor(left + 0.5) + math.floor(right + 0.5)


@intrinsic("States.StringSplit", (str, str))
def string_split(text: str, delimiters: str) -> list:
    # Every character of the second argument is a delimiter; empty pieces are dropped.
    pieces, current = [], []
    for char in text:
        if char in delimiters:
            if current:
                pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    if current:
        pieces.append("".join(current))
    return pieces


@intrinsic("States.UUID", needs_scope=True)
def uuid(scope: Scope) -> str:
    return scope.uuid()


class FormatTemplate(str):
    """A literal Format template, split at its unescaped `{}` when the call was compiled."""

    pieces: tuple[str, ...]


def format_template(raw: str) -> FormatTemplate:
    """The template as written between quotes: `\\{` and `\\}` are braces, not placeholders."""
    pieces, current, at = [], [], 0
    while at < len(raw):
        if raw[at] == "\\" and raw[at + 1 : at + 2] in ("'", "{", "}", "\\"):
            current.append(raw[at + 1])
            at += 2
        elif raw.startswith("{}", at):
            pieces.append("".join(current))
            current = []
            at += 2
        else:
            current.append(raw[at])
            at += 1
    pieces.append("".join(current))
    template = FormatTemplate("{}".join(pieces))
    template.pieces = tuple(pieces)
    return template


def _limit(name: str, text: str) -> None:
    if len(text) > MAX_STRING:
        raise failure(f"{name}: the input has {len(text)} characters; {MAX_STRING} at most")


class _SeededRandom:
    """Java's java.util.Random (a 48-bit LCG), so a seed gives the same number every time."""

    _MULTIPLIER = 0x5DEECE66D
    _MASK = (1 << 48) - 1

    def __init__(self, seed: int):
        self.state = (seed ^ self._MULTIPLIER) & self._MASK

    def _next(self, bits: int) -> int:
        self.state = (self.state * self._MULTIPLIER + 0xB) & self._MASK
        return self.state >> (48 - bits)

    def next_int(self, bound: int) -> int:
        if bound >= 1 << 31:
            # Beyond Java's int range: combine two draws (AWS rejects such ranges anyway).
            return ((self._next(31) << 17) | self._next(17)) % bound
        if bound & (bound - 1) == 0:
            return (bound * self._next(31)) >> 31
        while True:
            bits = self._next(31)
            value = bits % bound
            if bits - value + (bound - 1) < (1 << 31):
                return value
