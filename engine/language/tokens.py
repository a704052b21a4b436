"""The tokens of a JSONPath after its root, as Jayway's path compiler reads them.

Kept apart from evaluation so the syntax rules (what a property name may hold, bracket forms,
filters) are in one place and errors point at a position a person can find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.errors import ExpressionError


@dataclass(frozen=True)
class Property:
    """`.name` or `['a', 'b']`: the members of an object with these names."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Index:
    """`[0]` or `[0, 2]`: the elements of an array at these indexes."""

    indices: tuple[int, ...]


@dataclass(frozen=True)
class Slice:
    """`[start:stop:step]`: a range of an array's elements."""

    start: int | None
    stop: int | None
    step: int | None


@dataclass(frozen=True)
class Wildcard:
    """`*`: every member of an object or element of an array."""


@dataclass(frozen=True)
class Scan:
    """`..`: the next token applies to the value and every value below it."""


@dataclass(frozen=True)
class Filter:
    """`[?(...)]`: the elements for which the expression holds (`compiled`: its test)."""

    expression: str
    compiled: object = field(default=None, compare=False)


@dataclass(frozen=True)
class Function:
    """`.length()` and friends: Jayway has them, AWS refuses them when the path is evaluated."""

    name: str


Token = Property | Index | Slice | Wildcard | Scan | Filter | Function

_NAME_END = ".[( "
_INT = re.compile(r"\s*(-?\d+)\s*$")
_SLICE = re.compile(r"\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$")


class PathSyntaxError(ValueError):
    """Raised by the tokenizer; the compiler turns it into an ExpressionError."""


def tokenize(text: str, rest: str) -> tuple[Token, ...]:
    """Tokens of `rest`, the part of `text` after its root (`$`, `$$` or `$name`)."""
    try:
        return tuple(_Reader(rest).tokens())
    except PathSyntaxError as error:
        raise ExpressionError(f"invalid JSONPath {text!r}: {error}") from None


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.at = 0

    def tokens(self) -> list[Token]:
        tokens: list[Token] = []
        while self.at < len(self.text):
            char = self.text[self.at]
            if self.text.startswith("..", self.at):
                self.at += 2
                tokens.append(Scan())
                tokens.append(self._after_scan())
            elif char == ".":
                self.at += 1
                tokens.append(self._dotted())
            elif char == "[":
                tokens.append(self._bracket())
            else:
                raise PathSyntaxError(f"unexpected {char!r} at position {self.at}")
        return tokens

    def _after_scan(self) -> Token:
        if self.at >= len(self.text):
            raise PathSyntaxError("a path must not end with '..'")
        if self.text[self.at] == "[":
            return self._bracket()
        return self._dotted()

    def _dotted(self) -> Token:
        if self.at >= len(self.text):
            raise PathSyntaxError("a path must not end with '.'")
        if self.text[self.at] == "*":
            self.at += 1
            return Wildcard()
        if self.text[self.at] == "[":
            # Jayway reads `.[0]`, `.['a']`, `.[?(...)]` as the bracket alone; AWS accepts them.
            return self._bracket()
        start = self.at
        while self.at < len(self.text) and self.text[self.at] not in _NAME_END:
            self.at += 1
        name = self.text[start : self.at]
        if not name:
            raise PathSyntaxError(f"a property name is missing at position {start}")
        if self.at < len(self.text) and self.text[self.at] == " ":
            raise PathSyntaxError("use bracket notation ['my prop'] for names with blanks")
        if self.at < len(self.text) and self.text[self.at] == "(":
            return self._function(name)
        return Property((name,))

    def _function(self, name: str) -> Function:
        close = self.text.find(")", self.at)
        if close < 0:
            raise PathSyntaxError(f"'(' after {name} is not closed")
        self.at = close + 1
        if self.at != len(self.text):
            raise PathSyntaxError(f"a function such as {name}() must end the path")
        return Function(name)

    def _bracket(self) -> Token:
        close = self._closing_bracket()
        inner = self.text[self.at + 1 : close]
        self.at = close + 1
        stripped = inner.strip()
        if stripped.startswith(("'", '"')):
            return Property(_quoted_names(stripped))
        if stripped == "*":
            return Wildcard()
        if stripped.startswith("?"):
            return Filter(stripped)
        return _numeric(stripped)

    def _closing_bracket(self) -> int:
        """Index of the `]` closing the bracket at `self.at`, skipping quotes and parentheses."""
        depth, quote, position = 0, None, self.at + 1
        while position < len(self.text):
            char = self.text[position]
            if quote:
                if char == "\\":
                    position += 1
                elif char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            elif char == "]" and depth <= 0:
                return position
            position += 1
        raise PathSyntaxError(f"'[' at position {self.at} is not closed")


def _quoted_names(inner: str) -> tuple[str, ...]:
    names, position = [], 0
    while True:
        while position < len(inner) and inner[position] == " ":
            position += 1
        if position >= len(inner) or inner[position] not in "'\"":
            raise PathSyntaxError(f"expected a quoted property name in [{inner}]")
        quote, position, name = inner[position], position + 1, []
        while position < len(inner) and inner[position] != quote:
            # Only the delimiting quote and the backslash itself are escaped; AWS keeps \" in '...'.
            if inner[position] == "\\" and inner[position + 1 : position + 2] in (quote, "\\"):
                position += 1
            name.append(inner[position])
            position += 1
        if position >= len(inner):
            raise PathSyntaxError(f"unterminated property name in [{inner}]")
        names.append("".join(name))
        position += 1
        while position < len(inner) and inner[position] == " ":
            position += 1
        if position >= len(inner):
            return tuple(names)
        if inner[position] != ",":
            raise PathSyntaxError(f"expected ',' or ']' in [{inner}]")
        position += 1


def _numeric(inner: str) -> Token:
    if ":" in inner:
        match = _SLICE.match(inner)
        if not match:
            raise PathSyntaxError(f"invalid array slice [{inner}]")
        start, stop, step = (int(part) if part else None for part in match.groups())
        if step == 0:
            raise PathSyntaxError(f"the slice step in [{inner}] must not be 0")
        return Slice(start, stop, step)
    indices = []
    for part in inner.split(","):
        match = _INT.match(part)
        if not match:
            raise PathSyntaxError(f"invalid array index [{inner}]")
        indices.append(int(match.group(1)))
    return Index(tuple(indices))
