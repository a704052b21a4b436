"""ResultPath: where a state's result goes inside its input, as AWS places it.

A reference path names one node (definite, rooted at `$`). Applying it builds new containers
along the path and shares everything else with the input, which is never mutated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine.errors import AslError, ExpressionError
from engine.language.jsonpath import compile_path
from engine.language.scope import Json
from engine.language.tokens import Property, Token
from engine.language.values import dumps


@dataclass(frozen=True)
class ReferencePath:
    """A compiled reference path (ResultPath): where a value is written into the input."""

    text: str
    tokens: tuple[Token, ...]

    def apply(self, data: Json, value: Json) -> Json:
        """`data` with `value` placed at this path; `$` replaces `data` entirely."""
        try:
            return _place(data, self.tokens, value)
        except _NoPlace:
            encoded = json.dumps(dumps(data), ensure_ascii=False)
            raise AslError(
                "States.ResultPathMatchFailure",
                f"Unable to apply ReferencePath {self.text} to input {encoded}",
            ) from None


class _NoPlace(Exception):
    pass


def compile_reference_path(text: str) -> ReferencePath:
    """Compile a ResultPath; ExpressionError unless it is a definite path rooted at `$`."""
    path = compile_path(text)
    if path.root != "data":
        raise ExpressionError(f"{text!r} is not a reference path: it must start with '$'")
    if path.keys is None:
        raise ExpressionError(
            f"{text!r} is not a reference path: it must name a single node "
            "(no wildcards, slices, filters, unions or '..')"
        )
    return ReferencePath(text, path.tokens)


def _place(node: Json, tokens: tuple[Token, ...], value: Json) -> Json:
    if not tokens:
        return value
    token, rest = tokens[0], tokens[1:]
    if isinstance(token, Property):
        if not isinstance(node, dict):
            raise _NoPlace
        name = token.names[0]
        # AWS creates the missing objects on the way down.
        child = node.get(name, {}) if rest else None
        return {**node, name: _place(child, rest, value)}
    index = token.indices[0]
    if not isinstance(node, list) or not -len(node) <= index < len(node):
        raise _NoPlace
    copy = list(node)
    copy[index] = _place(copy[index], rest, value)
    return copy
