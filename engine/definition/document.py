"""A loaded definition: plain JSON data plus the source position of every node.

Positions let every later error, from the schema to the interpreter, say `file:line:col`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.errors import DefinitionError, Diagnostic

Json = Any
NodePath = tuple[str | int, ...]
Position = tuple[int, int]


@dataclass(frozen=True)
class Document:
    """`data` is plain JSON data; positions are 1-based (line, column) keyed by node path."""

    data: Json
    file: str | None = None
    positions: dict[NodePath, Position] = field(default_factory=dict, repr=False)
    key_positions: dict[NodePath, Position] = field(default_factory=dict, repr=False)

    def position(self, path: NodePath) -> Position | None:
        """Where the value at `path` starts, or None (a dict source, or no such node)."""
        return self.positions.get(tuple(path))

    def key_position(self, path: NodePath) -> Position | None:
        """Where the mapping key naming `path` starts, falling back to its value."""
        path = tuple(path)
        return self.key_positions.get(path) or self.positions.get(path)

    def nearest_position(self, path: NodePath) -> Position | None:
        """The position of `path`, or of its closest ancestor that has one."""
        path = tuple(path)
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return None

    def diagnostic(
        self, message: str, path: NodePath = (), *, at_key: bool = False, severity: str = "error"
    ) -> Diagnostic:
        """A Diagnostic about the node at `path`, placed at its key or value."""
        path = tuple(path)
        where = self.key_position(path) if at_key else None
        where = where or self.nearest_position(path)
        line, column = where if where else (None, None)
        return Diagnostic(message, self.file, line, column, path, severity)


def problem(
    message: str, file: str | None, line: int | None = 1, column: int | None = 1
) -> DefinitionError:
    """A DefinitionError holding one diagnostic: what the loaders raise."""
    return DefinitionError([Diagnostic(message, file=file, line=line, column=column)])
