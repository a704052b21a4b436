"""The syntax of intrinsic function calls: `States.Name(arg, ...)`, parsed once at load.

Arguments are single-quoted strings (escapes \\' \\{ \\} \\\\; other backslashes stay),
numbers, true/false/null, paths (`$.x`, `$$.x`, `$var`) and nested calls. Errors say where
the text stops making sense.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import ExpressionError
from engine.language.jsonpath import JsonPath, compile_path
from engine.language.scope import Json


@dataclass(frozen=True)
class Literal:
    value: Json
    # The string as written between the quotes; States.Format needs to tell `\{` from `{`.
    raw: str | None = None


@dataclass(frozen=True)
class PathArg:
    path: JsonPath


@dataclass(frozen=True)
class CallNode:
    name: str
    args: tuple[Argument, ...]


Argument = Literal | PathArg | CallNode

_NAME = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
_KEYWORDS = {"true": True, "false": False, "null": None}
_ESCAPABLE = "'{}\\"
# AWS allows up to 10 intrinsic functions nested within one field.
MAX_NESTING = 10


def parse_call(text: str) -> CallNode:
    """Parse a whole intrinsic call; ExpressionError if anything is left over or malformed."""
    parser = _Parser(text)
    parser.skip_blanks()
    node = parser.call()
    parser.skip_blanks()
    if parser.at != len(text):
        parser.fail("unexpected text after the closing ')'")
    return node


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.at = 0
        self.depth = 0

    def fail(self, message: str) -> None:
        where = f"invalid intrinsic function call {self.text!r} at position {self.at}"
        raise ExpressionError(f"{where}: {message}")

    def skip_blanks(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def call(self) -> CallNode:
        match = _NAME.match(self.text, self.at)
        if not match:
            self.fail("expected a function name such as States.Format")
        self.at = match.end()
        name = match.group()
        self.skip_blanks()
        if self.peek() != "(":
            self.fail(f"expected '(' after {name}")
        self.at += 1
        self.depth += 1
        if self.depth > MAX_NESTING:
            self.fail(f"intrinsic functions may be nested {MAX_NESTING} deep at most")
        arguments = self.arguments()
        self.depth -= 1
        return CallNode(name, arguments)

    def arguments(self) -> tuple[Argument, ...]:
        args: list[Argument] = []
        self.skip_blanks()
        if self.peek() == ")":
            self.at += 1
            return ()
        while True:
            self.skip_blanks()
            args.append(self.argument())
            self.skip_blanks()
            char = self.peek()
            self.at += 1
            if char == ")":
                return tuple(args)
            if char != ",":
                self.at -= 1
                self.fail("expected ',' or ')' after an argument")

    def argument(self) -> Argument:
        char = self.peek()
        if char == "'":
            return self.string()
        if char == "$":
            return PathArg(self.path())
        if self.text.startswith("States.", self.at):
            return self.call()
        number = _NUMBER.match(self.text, self.at)
        if number:
            self.at = number.end()
            text = number.group()
            return Literal(float(text) if number.group(1) or number.group(2) else int(text))
        for word, value in _KEYWORDS.items():
            if self.text.startswith(word, self.at):
                self.at += len(word)
                return Literal(value)
        self.fail("expected an argument: a 'string', a number, true, false, null, a path or a call")
        raise AssertionError  # unreachable: fail() raises

    def string(self) -> Literal:
        start = self.at + 1
        self.at = start
        chars: list[str] = []
        while self.at < len(self.text):
            char = self.text[self.at]
            if char == "'":
                raw = self.text[start : self.at]
                self.at += 1
                return Literal("".join(chars), raw)
            if char == "\\":
                following = self.text[self.at + 1 : self.at + 2]
                # Only \' \{ \} \\ are escapes; any other backslash stays, as in '{\"a\": 1}'.
                chars.append(following if following in _ESCAPABLE and following else char)
                self.at += 2 if following in _ESCAPABLE and following else 1
                continue
            chars.append(char)
            self.at += 1
        self.fail("unterminated string")
        raise AssertionError  # unreachable: fail() raises

    def path(self) -> JsonPath:
        """A path runs to the next top-level ',' or ')': brackets and quotes may hold either."""
        start, depth, quote = self.at, 0, None
        while self.at < len(self.text):
            char = self.text[self.at]
            if quote:
                if char == "\\":
                    self.at += 1
                elif char == quote:
                    quote = None
            elif char in "'\"" and depth:
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            self.at += 1
        return compile_path(self.text[start : self.at].rstrip())
