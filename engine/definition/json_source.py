"""JSON text -> JSON data with positions, and JSON's own error messages.

The data comes from the `json` module (exact JSON semantics and clear syntax errors); one pass
over the tokens of the already-valid text then gives every node its position and catches
duplicate keys, NaN and Infinity, which `json` would silently accept.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import Any

from engine.definition.document import Document, NodePath, Position, problem

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)
_NOT_JSON = {"NaN", "Infinity", "-Infinity"}


def parse_json(text: str, file: str | None, *, max_depth: int) -> Document:
    """Parse JSON text into a Document, raising DefinitionError on any problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise problem(f"invalid JSON: {error.msg}", file, error.lineno, error.colno) from None
    except RecursionError:
        raise problem(f"the definition is nested more than {max_depth} levels deep", file) from None
    except ValueError as error:
        raise problem(f"invalid JSON: {error}", file) from None
    positions, key_positions = _locate(text, file, max_depth)
    return Document(data, file, positions, key_positions)


class _Lines:
    """Offsets -> 1-based (line, column)."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> Position:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def _locate(text: str, file: str | None, max_depth: int) -> tuple[dict, dict]:
    lines = _Lines(text)
    positions: dict[NodePath, Position] = {}
    key_positions: dict[NodePath, Position] = {}
    # Each open container: [path, is_object, next key or index, keys seen -> line].
    stack: list[list[Any]] = []
    expect_key = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in (":", ","):
            if token == "," and stack:
                frame = stack[-1]
                expect_key = frame[1]
                if not frame[1]:
                    frame[2] += 1
            continue
        if token in ("}", "]"):
            stack.pop()
            expect_key = False
            continue
        where = lines.at(match.start())
        if expect_key:
            frame = stack[-1]
            key = json.loads(token)
            if key in frame[3]:
                message = f"duplicate key {key!r} (first defined on line {frame[3][key]})"
                raise problem(message, file, *where)
            frame[3][key] = where[0]
            frame[2] = key
            key_positions[(*frame[0], key)] = where
            expect_key = False
            continue
        path: NodePath = (*stack[-1][0], stack[-1][2]) if stack else ()
        positions[path] = where
        if token in _NOT_JSON:
            raise problem(f"{token} is not a JSON number", file, *where)
        if token in ("{", "["):
            if len(stack) >= max_depth:
                message = f"the definition is nested more than {max_depth} levels deep"
                raise problem(message, file, *where)
            stack.append([path, token == "{", None if token == "{" else 0, {}])
            expect_key = token == "{"
    return positions, key_positions
