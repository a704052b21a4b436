"""JSONPath filter expressions (`[?(@.price > 10 && @.tags)]`) with Jayway's semantics.

AWS evaluates filters with Jayway: `&&`, `||`, `!`, comparisons, `=~` (whole-string regex),
`in`/`nin`/`subsetof`/`anyof`/`noneof`/`size`/`empty`, existence tests, and a missing operand
that compares as "undefined" (so only `!=` holds for it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from engine.language.scope import Json

UNDEFINED = object()
_WORD_OPERATORS = ("subsetof", "anyof", "noneof", "empty", "size", "nin", "in")
_SYMBOL_OPERATORS = ("==", "!=", "<=", ">=", "=~", "<", ">")
_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][\w-]*")
# Parentheses, negations and nested filters deeper than this are refused, not recursed into.
MAX_NESTING = 32


class FilterSyntaxError(ValueError):
    """Raised while parsing; the path compiler turns it into an ExpressionError."""


class UnquotedWord(FilterSyntaxError):
    """A bare word where a value belongs (`@.Name == Receipt`). AWS accepts such a definition,
    but Jayway reads the word as a number and cannot compile the filter when it is evaluated."""

    def __init__(self, word: str):
        self.word = word
        super().__init__(f"{word!r} is not quoted")


# A path operand is compiled by the caller (it knows path syntax); this is its signature:
# evaluate(current_item, root_document) -> value, list of values, or UNDEFINED.
PathEvaluator = Callable[[Json, Json], Json]


@dataclass(frozen=True)
class Operand:
    value: Json = None
    path: PathEvaluator | None = None

    def resolve(self, item: Json, root: Json) -> Json:
        return self.value if self.path is None else self.path(item, root)


@dataclass(frozen=True)
class Relation:
    left: Operand
    operator: str | None
    right: Operand | None

    def test(self, item: Json, root: Json) -> bool:
        left = self.left.resolve(item, root)
        if self.operator is None:
            return left is not UNDEFINED
        right = self.right.resolve(item, root) if self.right else None
        return _RELATIONS[self.operator](left, right)


@dataclass(frozen=True)
class Logical:
    operator: str
    parts: tuple[Node, ...]

    def test(self, item: Json, root: Json) -> bool:
        if self.operator == "!":
            return not self.parts[0].test(item, root)
        if self.operator == "&&":
            return all(part.test(item, root) for part in self.parts)
        return any(part.test(item, root) for part in self.parts)


Node = Relation | Logical


def parse_filter(text: str, compile_operand_path: Callable[[str], PathEvaluator]) -> Node:
    """Parse `?(...)` (the text inside the brackets) into a tree of tests."""
    body = text[1:].strip()
    if not (body.startswith("(") and body.endswith(")")):
        raise FilterSyntaxError("a filter is written [?(expression)]")
    parser = _Parser(body[1:-1], compile_operand_path)
    node = parser.expression()
    parser.blanks()
    if parser.at != len(parser.text):
        raise FilterSyntaxError(f"unexpected {parser.text[parser.at :]!r}")
    return node


class _Parser:
    def __init__(self, text: str, compile_operand_path: Callable[[str], PathEvaluator]):
        self.text = text
        self.at = 0
        self.compile_path = compile_operand_path
        self.depth = 0

    def blanks(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def take(self, token: str) -> bool:
        self.blanks()
        if self.text.startswith(token, self.at):
            self.at += len(token)
            return True
        return False

    def expression(self) -> Node:
        parts = [self.conjunction()]
        while self.take("||"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Logical("||", tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.unary()]
        while self.take("&&"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else Logical("&&", tuple(parts))

    def unary(self) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise FilterSyntaxError(f"a filter may nest {MAX_NESTING} levels deep at most")
        node = self._unary()
        self.depth -= 1
        return node

    def _unary(self) -> Node:
        if self.take("!"):
            return Logical("!", (self.unary(),))
        if self.take("("):
            node = self.expression()
            if not self.take(")"):
                raise FilterSyntaxError("a '(' in the filter is not closed")
            return node
        return self.relation()

    def relation(self) -> Relation:
        left = self.operand()
        operator = self.operator()
        if operator is None:
            if left.path is None:
                raise FilterSyntaxError("a filter test needs a path such as @.name")
            return Relation(left, None, None)
        return Relation(left, operator, self.operand())

    def operator(self) -> str | None:
        self.blanks()
        for symbol in _SYMBOL_OPERATORS:
            if self.text.startswith(symbol, self.at):
                self.at += len(symbol)
                return symbol
        for word in _WORD_OPERATORS:
            end = self.at + len(word)
            if self.text.startswith(word, self.at) and not self.text[end : end + 1].isalnum():
                self.at = end
                return word
        return None

    def operand(self) -> Operand:
        self.blanks()
        char = self.text[self.at : self.at + 1]
        if char in ("@", "$"):
            return Operand(path=self.compile_path(self.path_text()))
        if char in ("'", '"'):
            return Operand(self.string(char))
        if char == "/":
            return Operand(self.regex())
        if char in ("[", "{"):
            return Operand(self.json_literal())
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.at):
                self.at += len(word)
                return Operand(value)
        word = _WORD.match(self.text, self.at)
        if word:
            raise UnquotedWord(word.group())
        number = _NUMBER.match(self.text, self.at)
        if number:
            self.at = number.end()
            return Operand(json.loads(number.group()))
        raise FilterSyntaxError(f"expected a value or a path at {self.text[self.at :]!r}")

    def path_text(self) -> str:
        start, depth, quote = self.at, 0, None
        while self.at < len(self.text):
            char = self.text[self.at]
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"" and depth:
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and (char.isspace() or char in "=!<>&|"):
                break
            self.at += 1
        return self.text[start : self.at]

    def string(self, quote: str) -> str:
        chars, self.at = [], self.at + 1
        while self.at < len(self.text) and self.text[self.at] != quote:
            if self.text[self.at] == "\\" and self.at + 1 < len(self.text):
                self.at += 1
            chars.append(self.text[self.at])
            self.at += 1
        if self.at >= len(self.text):
            raise FilterSyntaxError("unterminated string in filter")
        self.at += 1
        return "".join(chars)

    def regex(self) -> re.Pattern[str]:
        end = self.at + 1
        while end < len(self.text) and self.text[end] != "/":
            end += 2 if self.text[end] == "\\" else 1
        if end >= len(self.text):
            raise FilterSyntaxError("unterminated regular expression in filter")
        source, self.at = self.text[self.at + 1 : end], end + 1
        flags = 0
        while self.at < len(self.text) and self.text[self.at] in _REGEX_FLAGS:
            flags |= _REGEX_FLAGS[self.text[self.at]]
            self.at += 1
        try:
            return re.compile(source, flags)
        except re.error as error:
            raise FilterSyntaxError(f"invalid regular expression /{source}/: {error}") from None

    def json_literal(self) -> Json:
        try:
            value, end = json.JSONDecoder().raw_decode(self.text.replace("'", '"'), self.at)
        except ValueError:
            raise FilterSyntaxError(f"invalid JSON value at {self.text[self.at :]!r}") from None
        self.at = end
        return value


def _is_number(value: Json) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(value: Json) -> float | int | None:
    if _is_number(value):
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return json.loads(value.strip())
    return None


def _equal(left: Json, right: Json) -> bool:
    if left is UNDEFINED or right is UNDEFINED:
        return False
    if _is_number(left) or _is_number(right):
        # Jayway compares a number with a numeric string as numbers.
        a, b = _as_number(left), _as_number(right)
        return a is not None and b is not None and a == b
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return left == right


def _ordered(compare: Callable[[Json, Json], bool]) -> Callable[[Json, Json], bool]:
    def test(left: Json, right: Json) -> bool:
        if _is_number(left) and _is_number(right):
            return compare(left, right)
        if isinstance(left, str) and isinstance(right, str):
            return compare(left, right)
        return False

    return test


def _matches(left: Json, right: Json) -> bool:
    if not isinstance(right, re.Pattern) or left is UNDEFINED:
        return False
    text = left if isinstance(left, str) else json.dumps(left) if _is_number(left) else ""
    return right.fullmatch(text) is not None


def _member(left: Json, right: Json) -> bool:
    return isinstance(right, list) and any(_equal(left, item) for item in right)


def _subset(left: Json, right: Json) -> bool:
    return (
        isinstance(left, list) and isinstance(right, list) and all(_member(x, right) for x in left)
    )


def _any_of(left: Json, right: Json) -> bool:
    return (
        isinstance(left, list) and isinstance(right, list) and any(_member(x, right) for x in left)
    )


def _none_of(left: Json, right: Json) -> bool:
    return isinstance(left, list) and isinstance(right, list) and not _any_of(left, right)


def _size(left: Json, right: Json) -> bool:
    return isinstance(left, list | str) and _is_number(right) and len(left) == right


def _empty(left: Json, right: Json) -> bool:
    return isinstance(left, list | str) and isinstance(right, bool) and (len(left) == 0) == right


_RELATIONS: dict[str, Callable[[Json, Json], bool]] = {
    "==": _equal,
    "!=": lambda left, right: not _equal(left, right),
    "<": _ordered(lambda a, b: a < b),
    "<=": _ordered(lambda a, b: a <= b),
    ">": _ordered(lambda a, b: a > b),
    ">=": _ordered(lambda a, b: a >= b),
    "=~": _matches,
    "in": _member,
    "nin": lambda left, right: isinstance(right, list) and not _member(left, right),
    "subsetof": _subset,
    "anyof": _any_of,
    "noneof": _none_of,
    "size": _size,
    "empty": _empty,
}
