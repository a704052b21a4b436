"""JSONPath as Step Functions evaluates it (Jayway semantics), compiled once per definition.

A definite path (`$.a['b'][0]`) yields one value or fails with AWS's States.Runtime cause; an
indefinite one (wildcards, slices, unions, filters, `..`) yields a list, possibly empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from engine.errors import AslError, ExpressionError
from engine.language.scope import Json, Scope
from engine.language.tokens import (
    Filter,
    Function,
    Index,
    Property,
    Scan,
    Slice,
    Token,
    Wildcard,
    tokenize,
)
from engine.language.values import dumps

if TYPE_CHECKING:
    # Filters (`[?(...)]`) are compiled by engine.language.filters, imported by the first one.
    from engine.language.filters import PathEvaluator

_JAVA_TYPES = {
    str: "java.lang.String",
    int: "java.lang.Integer",
    float: "java.lang.Double",
    bool: "java.lang.Boolean",
    list: "net.minidev.json.JSONArray",
    dict: "java.util.LinkedHashMap",
}


# Filters nest through their own paths; a bound keeps compiling linear and the stack shallow.
MAX_FILTERS = 16


class PathNotFound(AslError):
    """A definite path that selects nothing; `reason` is Jayway's message, for callers to reword."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__("States.Runtime", f"Invalid path '{path}' : {reason}")


def is_path(text: object) -> bool:
    """Whether a string is written as a path (`$...`), as `.$` fields and Choice operands are."""
    return isinstance(text, str) and text.startswith("$")


def is_context_path(text: object) -> bool:
    return isinstance(text, str) and text.startswith("$$")


@dataclass(frozen=True)
class JsonPath:
    """A compiled path. `root` is "data" (`$`), "context" (`$$`) or "variable" (`$name`)."""

    text: str
    root: str
    variable: str | None
    tokens: tuple[Token, ...]
    definite: bool
    # The plain keys of a definite path, for the fast walk that most selections take.
    keys: tuple[str | int, ...] | None = None
    # Set when a filter compares with an unquoted word: AWS accepts the definition, but Jayway
    # cannot compile the filter, so every evaluation fails with this reason.
    failure: str | None = None

    @property
    def warning(self) -> str | None:
        """What a validator should say about a path AWS accepts but cannot evaluate."""
        if self.failure is None:
            return None
        return (
            f"JSONPath {self.text!r} compares with an unquoted word, which AWS accepts but "
            f"Jayway cannot compile: every evaluation fails with States.Runtime "
            f"({self.failure}); quote the word ('...') to compare with text"
        )

    def select(self, data: Json, scope: Scope) -> Json:
        """The selected value (definite path) or list of values (indefinite path)."""
        root = data if self.root == "data" else self._root_value(data, scope)
        if self.keys is None:
            if self.failure is not None:
                raise AslError("States.Runtime", f"Invalid path '{self.text}' : {self.failure}")
            if self.definite:
                return _walk_definite(self.text, self.tokens, root)
            return self._select_all(root)
        value = root
        try:
            for key in self.keys:
                # A str would accept an int index; Jayway does not, so leave it to the slow walk.
                if type(key) is int and type(value) is not list:
                    break
                value = value[key]
            else:
                return value
        except (LookupError, TypeError):
            pass
        return _walk_definite(self.text, self.tokens, root)

    def _select_all(self, root: Json) -> list[Json]:
        if self.tokens and isinstance(self.tokens[-1], Function):
            raise PathNotFound(self.text, f"Function {self.tokens[-1].name}() is not supported")
        try:
            return list(_walk_all(self.tokens, root, root))
        except RecursionError:
            cause = f"Invalid path '{self.text}' : the input is nested too deeply to search"
            raise AslError("States.Runtime", cause) from None

    def exists(self, data: Json, scope: Scope) -> bool:
        """Whether the path selects something (IsPresent); never raises for missing data."""
        if self.failure is not None:
            raise AslError("States.Runtime", f"Invalid path '{self.text}' : {self.failure}")
        try:
            value = self._root_value(data, scope)
        except AslError:
            return False
        if self.definite:
            try:
                _walk_definite(self.text, self.tokens, value)
            except AslError:
                return False
            return True
        try:
            return bool(self._select_all(value))
        except PathNotFound:
            return False

    def _root_value(self, data: Json, scope: Scope) -> Json:
        if self.root == "data":
            return data
        if self.root == "context":
            return scope.context
        if self.variable not in scope.variables:
            raise AslError(
                "States.Runtime",
                f"Invalid path '{self.text}' : The variable '{self.variable}' is not defined",
            )
        return scope.variables[self.variable]


def compile_path(text: str) -> JsonPath:
    """Parse a JSONPath once; ExpressionError says what is wrong with it."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise ExpressionError(f"{text!r} is not a JSONPath: a path starts with '$'")
    if text.count("[?") > MAX_FILTERS:
        raise ExpressionError(f"JSONPath {text!r} has more than {MAX_FILTERS} filters")
    root, variable, rest = _split_root(text)
    tokens = _compile_tokens(text, rest)
    definite = _definite(tokens)
    keys = None
    if definite and all(len(getattr(token, "names", "-")) == 1 for token in tokens):
        keys = tuple(t.names[0] if isinstance(t, Property) else t.indices[0] for t in tokens)
    failure = next(
        (
            t.compiled.reason
            for t in tokens
            if isinstance(getattr(t, "compiled", None), _Uncompiled)
        ),
        None,
    )
    return JsonPath(text, root, variable, tokens, definite, keys, failure)


def _split_root(text: str) -> tuple[str, str | None, str]:
    if text.startswith("$$"):
        return "context", None, text[2:]
    end = 1
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    if end == 1:
        return "data", None, text[1:]
    return "variable", text[1:end], text[end:]


@dataclass(frozen=True)
class _Uncompiled:
    """A filter Jayway cannot compile (an unquoted word): testing it fails as AWS does."""

    reason: str

    def test(self, item: Json, root: Json) -> bool:
        raise AslError("States.Runtime", self.reason)


def _compile_filter(text: str, expression: str) -> object:
    from engine.language.filters import FilterSyntaxError, UnquotedWord, parse_filter

    try:
        return parse_filter(expression, _operand_path)
    except UnquotedWord:
        # Jayway's FilterCompiler reads a bare word as a number literal and fails.
        return _Uncompiled(f"Could not compile inline filter : [{expression}]")
    except (FilterSyntaxError, ExpressionError) as error:
        message = f"invalid filter [{expression}] in JSONPath {text!r}: {error}"
        raise ExpressionError(message) from None


def _operand_path(text: str) -> PathEvaluator:
    """A path inside a filter: `@...` from the item tested, `$...` from the document root."""
    from engine.language.filters import UNDEFINED, FilterSyntaxError

    if not text.startswith(("@", "$")) or text.startswith("$$"):
        raise FilterSyntaxError(f"{text!r} is not a path: filter paths start with @ or $")
    relative = text.startswith("@")
    tokens = _compile_tokens(text, text[1:])
    definite = _definite(tokens)

    def evaluate(item: Json, root: Json) -> Json:
        start = item if relative else root
        if not definite:
            return list(_walk_all(tokens, start, root))
        try:
            return _walk_definite(text, tokens, start)
        except AslError:
            return UNDEFINED

    return evaluate


def _compile_tokens(text: str, rest: str) -> tuple[Token, ...]:
    return tuple(
        replace(token, compiled=_compile_filter(text, token.expression))
        if isinstance(token, Filter)
        else token
        for token in tokenize(text, rest)
    )


def _definite(tokens: tuple[Token, ...]) -> bool:
    last = len(tokens) - 1
    return all(_is_definite(token, position == last) for position, token in enumerate(tokens))


def _is_definite(token: Token, is_last: bool) -> bool:
    if isinstance(token, Property):
        # Jayway merges several properties at the end of a path into one object.
        return len(token.names) == 1 or is_last
    if isinstance(token, Index):
        return len(token.indices) == 1
    return False


def _fragment(token: Token) -> str:
    if isinstance(token, Property):
        return "[" + ",".join(f"'{name}'" for name in token.names) + "]"
    return "[" + ",".join(str(i) for i in token.indices) + "]"


def _walk_definite(text: str, tokens: tuple[Token, ...], value: Json) -> Json:
    """Follow a definite path, failing with Jayway's messages as AWS reports them."""
    where = "$"
    last = len(tokens) - 1
    for position, token in enumerate(tokens):
        fragment = _fragment(token)
        if isinstance(token, Property):
            if not isinstance(value, dict):
                raise PathNotFound(text, _not_an_object(fragment, where, value))
            if len(token.names) > 1:
                return _merged(token, value)
            name = token.names[0]
            where += fragment
            if name not in value:
                if position == last:
                    raise PathNotFound(text, f"No results for path: {where}")
                raise PathNotFound(text, f"Missing property in path {where}")
            value = value[name]
        else:
            if value is None:
                raise PathNotFound(text, f"The path {where} is null")
            if not isinstance(value, list):
                raise PathNotFound(
                    text,
                    f"Filter: {fragment} can only be applied to arrays. "
                    f"Current context is: {dumps(value)}",
                )
            index = token.indices[0]
            if not -len(value) <= index < len(value):
                raise PathNotFound(text, f"No results for path: {_full_path(tokens)}")
            value = value[index]
            where += fragment
    return value


def _merged(token: Property, value: dict) -> dict:
    return {name: value[name] for name in token.names if name in value}


def _full_path(tokens: tuple[Token, ...]) -> str:
    return "$" + "".join(_fragment(token) for token in tokens)


def _not_an_object(fragment: str, where: str, value: Json) -> str:
    found = "null" if value is None else _JAVA_TYPES.get(type(value), "java.lang.Object")
    return (
        f"Expected to find an object with property {fragment} in path {where} but found "
        f"'{found}'. This is not a json object according to the JsonProvider: "
        "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'."
    )


def _walk_all(tokens: tuple[Token, ...], value: Json, root: Json) -> Iterator[Json]:
    """Every value an indefinite path selects, in document order; missing parts select nothing."""
    if not tokens:
        yield value
        return
    token, rest = tokens[0], tokens[1:]
    if isinstance(token, Scan):
        scanned, rest = rest[0], rest[1:]
        for node in _descendants(value):
            # Jayway tests a scanned filter against each object once, not also via its array.
            found = _accepted(scanned, node, root) if isinstance(scanned, Filter) else None
            for child in found if found is not None else _step(scanned, node, root):
                yield from _walk_all(rest, child, root)
        return
    if not rest and isinstance(token, Property) and len(token.names) > 1:
        if isinstance(value, dict):
            yield _merged(token, value)
        return
    for child in _step(token, value, root):
        yield from _walk_all(rest, child, root)


def _accepted(token: Filter, node: Json, root: Json) -> list[Json]:
    return [node] if isinstance(node, dict) and token.compiled.test(node, root) else []


def _descendants(value: Json) -> Iterator[Json]:
    yield value
    if isinstance(value, dict):
        value = list(value.values())
    for child in value if isinstance(value, list) else ():
        yield from _descendants(child)


def _step(token: Token, value: Json, root: Json) -> Iterator[Json]:
    if isinstance(token, Property):
        if isinstance(value, dict):
            yield from (value[name] for name in token.names if name in value)
    elif isinstance(token, Index):
        if isinstance(value, list):
            yield from (value[i] for i in token.indices if -len(value) <= i < len(value))
    elif isinstance(token, Wildcard):
        if isinstance(value, dict):
            yield from value.values()
        elif isinstance(value, list):
            yield from value
    elif isinstance(token, Slice):
        if isinstance(value, list):
            yield from value[token.start : token.stop : token.step]
    elif isinstance(token, Filter):
        # AWS: "the @ operator ... does not match scalar values. It only matches objects."
        candidates = value if isinstance(value, list) else [value]
        yield from (
            item
            for item in candidates
            if isinstance(item, dict) and token.compiled.test(item, root)
        )
