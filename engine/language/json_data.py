"""What sfn takes as JSON data, with one nesting limit for definitions, inputs and results.

Python's json module writes NaN, sets fail deep inside a commit, and deep nesting ends in a
RecursionError; so data crossing into sfn is checked here first, naming the first problem's path.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

Json = Any

# The most arrays and objects nested in one another that a definition, an execution input, a
# task result or a task output may hold (deeper data would exhaust Python's recursion limit
# in the json module long before AWS's payload limit is reached).
MAX_NESTING = 200
_PATH_SHOWN = 60
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_problem(value: Json) -> str | None:
    """The first reason `value` is not JSON data, with its path (`$.t: datetime is not
    JSON`), or None. JSON data is dict (string keys), list or tuple, str, int, finite float,
    bool and None, nested at most MAX_NESTING levels deep."""
    try:
        if _plain(value, 0):
            return None
    except RecursionError:  # called with a deep stack already: the walk below decides
        pass
    return _first_problem(value)


def _plain(value: Json, depth: int) -> bool:
    """Whether `value` is JSON data made of the exact JSON types: the common case, answered
    about 5x faster than `_first_problem` (a 1,000-item payload: ~0.5 ms, was ~2.3 ms).
    False for anything else (a problem, or a subclass such as an OrderedDict): the walk that
    names the problem decides. Recursive: at most MAX_NESTING levels of its own frames."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is dict:
        if depth >= MAX_NESTING:
            return False
        for key, child in value.items():
            if type(key) is not str:
                return False
            kind = type(child)
            if not (kind is str or kind is int or child is None or _plain(child, depth + 1)):
                return False
        return True
    if kind is list or kind is tuple:
        if depth >= MAX_NESTING:
            return False
        for child in value:
            kind = type(child)
            if not (kind is str or kind is int or child is None or _plain(child, depth + 1)):
                return False
        return True
    return False


def _first_problem(value: Json) -> str | None:
    """`json_problem`'s walk, with paths. Iterative, so that data nested far too deep is
    reported, not a RecursionError."""
    pending: list[tuple[Json, int, tuple | None]] = [(value, 0, None)]
    while pending:
        item, depth, where = pending.pop()
        if isinstance(item, dict | list | tuple):
            if depth >= MAX_NESTING:
                return f"nested more than {MAX_NESTING} levels deep (at {_shown(where)})"
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        kind = type(key).__name__
                        return f"{_path(where)}: the key {key!r} ({kind}) is not a string"
                    pending.append((child, depth + 1, (where, key)))
            else:
                pending.extend((child, depth + 1, (where, i)) for i, child in enumerate(item))
        elif isinstance(item, float) and not math.isfinite(item):
            return f"{_path(where)}: {_constant(item)} is not JSON"
        elif not (item is None or isinstance(item, str | int | float)):
            return f"{_path(where)}: {type(item).__name__} is not JSON"
    return None


def loads(text: str) -> Json:
    """Parse JSON text strictly: no NaN or Infinity, at most MAX_NESTING levels deep.

    Raises ValueError with a one-line reason."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_NESTING} levels deep") from None
    problem = json_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _refuse_constant(constant: str) -> None:
    raise ValueError(f"{constant} is not a JSON value")


def _constant(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    return "Infinity" if number > 0 else "-Infinity"


def _path(where: tuple | None) -> str:
    """`where` is a chain (parent chain, key or index) built only for the path that is shown."""
    parts: list[str] = []
    while where is not None:
        where, step = where
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _NAME.fullmatch(step):
            parts.append(f".{step}")
        else:
            parts.append(f"[{json.dumps(step, ensure_ascii=False)}]")
    return "$" + "".join(reversed(parts))


def _shown(where: tuple | None) -> str:
    path = _path(where)
    return path if len(path) <= _PATH_SHOWN else path[:_PATH_SHOWN] + "..."
