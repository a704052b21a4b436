"""How diagnostics name things: the state a node belongs to, field paths, JSON values.

One place for the words keeps every message in the same voice: `state 'Charge': Retry[0]...`.
"""

from __future__ import annotations

import json
from typing import Any

from engine.definition.document import NodePath

MACHINE_FIELDS = ("ItemProcessor", "Iterator")


def split_state(path: NodePath) -> tuple[list[str], NodePath]:
    """The names of the states `path` passes through and the rest of the path after the last."""
    names: list[str] = []
    index = rest = 0
    while index + 1 < len(path) and path[index] == "States":
        names.append(str(path[index + 1]))
        index = rest = index + 2
        if path[index : index + 1] == ("Branches",) and index + 1 < len(path):
            index += 2
        elif path[index : index + 1] and path[index] in MACHINE_FIELDS:
            index += 1
        else:
            break
    return names, path[rest:]


def field_path(path: NodePath) -> str:
    """`("Retry", 0, "MaxAttempts")` -> `Retry[0].MaxAttempts`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe(path: NodePath) -> str:
    """What a node is, for a person: `state 'Charge': Retry[0].MaxAttempts`."""
    names, rest = split_state(tuple(path))
    if not names:
        return field_path(rest) if rest else "the state machine"
    where = f"state {names[-1]!r}"
    return f"{where}: {field_path(rest)}" if rest else where


def json_type(value: Any) -> str:
    """The JSON type of a value, with an article: `a string`, `an object`..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    return {float: "a number", str: "a string", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def show(value: Any, limit: int = 60) -> str:
    """A value as a person would write it in YAML/JSON, cut short."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."
