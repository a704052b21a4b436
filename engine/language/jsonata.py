"""JSONata in ASL: `{% ... %}` expressions, and the JSON values that hold them in any string,
compiled once and evaluated with `$states` and the workflow variables bound.

Evaluation failures raise QueryEvaluationError with AWS's cause texts, minus the prefix naming
the state ("An error occurred while executing the state ..."), which only the interpreter knows.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from engine.errors import ExpressionError, QueryEvaluationError
from engine.language.jsonata_functions import (
    SCOPED_NAMES,
    STATIC_FUNCTIONS,
    FunctionError,
    scoped_functions,
)
from engine.language.scope import Scope

if TYPE_CHECKING:
    import jlens  # imported by the first compile: core imports this module for every run

Json = Any

OPEN, CLOSE = "{%", "%}"
TYPES = ("array", "object", "string", "number", "integer", "boolean", "null")

# Bounds on one evaluation, so that a runaway expression fails its state instead of hanging or
# exhausting a worker. AWS documents none; these are far above what a 256 KiB payload needs.
LIMITS: dict[str, Any] = {
    "timeout": 10.0,
    "max_steps": 10_000_000,
    "max_array_length": 1_000_000,
    "max_string_length": 10_000_000,
    "max_result_size": 32 * 1024 * 1024,
}


def is_expression(value: Json) -> bool:
    """Whether a definition value is a JSONata expression: a string `{% ... %}`, exactly."""
    return (
        isinstance(value, str)
        and len(value) >= len(OPEN) + len(CLOSE)
        and value.startswith(OPEN)
        and value.endswith(CLOSE)
    )


def json_type(value: Json) -> str:
    """The JSON type name AWS uses in its messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _has_type(value: Json, expected: str) -> bool:
    if expected not in TYPES:
        raise ValueError(f"unknown JSON type {expected!r}; expected one of {TYPES}")
    if expected == "integer":
        return json_type(value) == "number" and math.isfinite(value) and value == int(value)
    return json_type(value) == expected


def _compact(value: Json) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# An expression that names `$states` only as `$states.input`, `.result` or `.errorOutput`
# cannot reach `$states.context`; one that names it otherwise (`$states.context`, `$keys($states)`,
# `$x := $states`, a string holding it) may, and so may any with a `%` (the parent operator:
# `$states.input.%.context`; a modulo is taken for one). ($eval, which could build the name at
# run time, is left out, as AWS leaves it out.)
_STATES = re.compile(r"\$states\b")
_STATES_FIELD = re.compile(r"\$states\s*\.\s*(?:input|result|errorOutput)\b")


def _reaches_context(text: str) -> bool:
    if "%" in text:
        return True
    return len(_STATES.findall(text)) != len(_STATES_FIELD.findall(text))


def _bindings(
    states: Mapping[str, Json],
    variables: Mapping[str, Json],
    scope: Scope,
    scoped: bool,
    contextual: bool,
) -> dict:
    """What an evaluation binds. `$states.context` is `states["context"]`, else the scope's
    context; it is bound only for an expression that can reach it: building `$$` and handing
    it to the evaluator (the execution's input with it) is most of a simple evaluation's cost."""
    bound = dict(states)
    if not contextual:
        bound.pop("context", None)
    elif "context" not in bound:
        bound["context"] = scope.context
    # a workflow variable may shadow $random or $uuid; nothing may shadow $states
    functions = scoped_functions(scope) if scoped else {}
    return {**functions, **variables, "states": bound}


def _uses_scope(text: str) -> bool:
    # Binding host functions costs ~10 us per evaluation, so only expressions that can name
    # $random or $uuid get them; JSONata reaches a function only through its name.
    return any(f"${name}" in text for name in SCOPED_NAMES)


class JsonataExpression:
    """One compiled `{% ... %}` expression. `text` is what stands between the delimiters, as
    AWS quotes it in messages; `location` is the field it sits in ("Output/result")."""

    __slots__ = ("_compiled", "contextual", "location", "scoped", "source", "text")

    def __init__(self, source: str, location: str | None = None):
        if not is_expression(source):
            raise ExpressionError(
                f"{_where(location)}{source!r} is not a JSONata expression: "
                f"it must start with {OPEN!r} and end with {CLOSE!r}"
            )
        self.source = source
        self.text = source[len(OPEN) : -len(CLOSE)].strip()
        self.location = location
        self.scoped = _uses_scope(self.text)
        self.contextual = _reaches_context(self.text)
        self._compiled = _compile(self.text, location)

    def __repr__(self) -> str:
        return f"JsonataExpression({self.source!r}, location={self.location!r})"

    def evaluate(
        self,
        states: Mapping[str, Json],
        variables: Mapping[str, Json],
        scope: Scope,
        *,
        expect: str | None = None,
    ) -> Json:
        """The expression's value; `expect` ("array", "boolean", "integer"...) checks its type."""
        bindings = _bindings(states, variables, scope, self.scoped, self.contextual)
        return self._evaluate(bindings, expect)

    def _evaluate(self, bindings: dict, expect: str | None = None) -> Json:
        try:
            text = self._compiled.evaluate_json(None, bindings, **LIMITS)
        except FunctionError as error:
            raise self._threw(f"{error.code}: {error.message}") from None
        except Exception as error:  # a library fault must fail the state, not the worker
            raise self._threw(_library_error(error)) from None
        if text is None:
            raise self._failed(self._no_json(bindings))
        try:
            value = json.loads(text)
        except RecursionError:
            raise self._failed("returned a value nested too deeply.") from None
        if expect is not None and not _has_type(value, expect):
            raise self._failed(
                f"returned an unexpected result type. Expected '{expect}', "
                f"but was '{json_type(value)}' for value: {_compact(value)}"
            )
        return value

    def _no_json(self, bindings: dict) -> str:
        """Why there is no JSON value: nothing, or a function (jlens renders a function as no
        value, so only the evaluation's audit tells them apart; this runs on the failure path
        alone). AWS's words for a function are not in any recording we have; these are the
        ones LocalStack and a TestState measurement report."""
        audit = self._compiled.evaluate_with_audit(None, bindings)["audit"]
        if audit["root"].get("output") == "<function>":
            return "returned an unsupported result type."
        return "returned nothing (undefined)."

    def _threw(self, detail: str) -> QueryEvaluationError:
        return self._failed(f"threw an error during evaluation. {detail}")

    def _failed(self, what: str) -> QueryEvaluationError:
        field = "" if self.location is None else f" specified for the field '{self.location}'"
        return QueryEvaluationError(
            f"The JSONata expression '{self.text}'{field} {what}", self.location
        )


class JsonataTemplate:
    """A compiled JSON value whose strings may be JSONata expressions, at any depth (the
    Arguments, Output, Assign, Items, ItemSelector, Condition... of a JSONata state)."""

    __slots__ = ("_contextual", "_node", "_scoped", "field", "value")

    def __init__(self, value: Json, field: str | None = None):
        self.value = value
        self.field = field
        self._node = _compile_node(value, field)
        self._scoped = any(expression.scoped for expression in _expressions(self._node))
        self._contextual = any(e.contextual for e in _expressions(self._node))

    def __repr__(self) -> str:
        return f"JsonataTemplate({self.value!r}, field={self.field!r})"

    @property
    def is_expression(self) -> bool:
        """Whether the whole value is one expression (and so may be of any type)."""
        return isinstance(self._node, JsonataExpression)

    @property
    def expressions(self) -> list[JsonataExpression]:
        """Every expression in the value, in document order (for validators)."""
        return list(_expressions(self._node))

    def evaluate(
        self,
        states: Mapping[str, Json],
        variables: Mapping[str, Json],
        scope: Scope,
        *,
        expect: str | None = None,
    ) -> Json:
        """The value with every expression replaced by its result. Every expression sees the
        same bindings. `expect` checks the type of a value that is one expression."""
        bindings = _bindings(states, variables, scope, self._scoped, self._contextual)
        if isinstance(self._node, JsonataExpression):
            return self._node._evaluate(bindings, expect)
        return _render(self._node, bindings)


def compile_expression(text: str, location: str | None = None) -> JsonataExpression:
    """Compile a whole `{% ... %}` string; ExpressionError when it does not parse."""
    return JsonataExpression(text, location)


def compile_value(value: Json, field: str | None = None) -> JsonataTemplate:
    """Compile a JSON value whose strings may be `{% ... %}` expressions. `field` names it in
    error messages ("Output"); nested places are named "Output/key/0/..." as AWS names them."""
    return JsonataTemplate(value, field)


def _library_error(error: Exception) -> str:
    """An evaluation error's text: jlens's (loaded by the compile) with its code."""
    import jlens

    if isinstance(error, jlens.JlensError):
        return f"{error.code}: {error}"
    return f"{type(error).__name__}: {error}"


def _compile(text: str, location: str | None) -> jlens.Expression:
    import jlens

    try:
        compiled = jlens.Expression(text)
    except jlens.JlensError as error:
        where = "" if error.position is None else f" (at character {error.position})"
        raise ExpressionError(
            f"{_where(location)}the JSONata expression {text!r} does not parse: "
            f"{error.code}: {error}{where}"
        ) from None
    except Exception as error:  # the parser must never leak a Python error to a user
        raise ExpressionError(
            f"{_where(location)}the JSONata expression {text!r} does not parse: {error}"
        ) from None
    for name, function in STATIC_FUNCTIONS.items():
        compiled.register_function(name, function)
    return compiled


def _where(location: str | None) -> str:
    return "" if location is None else f"{location}: "


class _Object(dict):
    """An object node of a template: keys are literal, values are nodes."""


class _Array(list):
    """An array node of a template."""


class _Literal:
    __slots__ = ("value",)

    def __init__(self, value: Json):
        self.value = value


def _child(location: str | None, key: str | int) -> str:
    return str(key) if location is None else f"{location}/{key}"


def _compile_node(value: Json, location: str | None) -> Any:
    if is_expression(value):
        return JsonataExpression(value, location)
    if isinstance(value, dict):
        return _Object(
            (key, _compile_node(item, _child(location, key))) for key, item in value.items()
        )
    if isinstance(value, list):
        return _Array(_compile_node(item, _child(location, i)) for i, item in enumerate(value))
    return _Literal(value)


def _render(node: Any, bindings: dict) -> Json:
    if isinstance(node, _Literal):
        return node.value
    if isinstance(node, JsonataExpression):
        return node._evaluate(bindings)
    if isinstance(node, _Object):
        return {key: _render(item, bindings) for key, item in node.items()}
    return [_render(item, bindings) for item in node]


def _expressions(node: Any) -> Iterator[JsonataExpression]:
    if isinstance(node, JsonataExpression):
        yield node
    elif isinstance(node, _Object):
        for item in node.values():
            yield from _expressions(item)
    elif isinstance(node, _Array):
        for item in node:
            yield from _expressions(item)
