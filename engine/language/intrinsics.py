"""Intrinsic function calls (`States.Format(...)` and friends): compile once, evaluate often.

Syntax errors, unknown functions and wrong argument counts are ExpressionErrors at load; bad
argument values are States.IntrinsicFailure, missing paths States.Runtime, at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import ExpressionError
from engine.language import intrinsic_functions
from engine.language.intrinsic_parser import Argument, CallNode, Literal, PathArg, parse_call
from engine.language.intrinsic_registry import REGISTRY, Spec, failure
from engine.language.scope import Json, Scope

_FORMAT = "States.Format"


@dataclass(frozen=True)
class IntrinsicCall:
    text: str
    spec: Spec
    args: tuple[Compiled, ...]

    def evaluate(self, data: Json, scope: Scope) -> Json:
        values = [arg.evaluate(data, scope) for arg in self.args]
        try:
            return self.spec.call(values, scope)
        except RecursionError:
            raise failure(f"{self.spec.name}: the argument is nested too deeply") from None


@dataclass(frozen=True)
class Value:
    value: Json

    def evaluate(self, data: Json, scope: Scope) -> Json:
        return self.value


@dataclass(frozen=True)
class Selection:
    arg: PathArg

    def evaluate(self, data: Json, scope: Scope) -> Json:
        return self.arg.path.select(data, scope)


Compiled = Value | Selection | IntrinsicCall


def is_intrinsic(text: object) -> bool:
    return isinstance(text, str) and text.lstrip().startswith("States.")


def compile_call(text: str) -> IntrinsicCall:
    """Parse and check a call; ExpressionError for bad syntax, names or argument counts."""
    if not is_intrinsic(text):
        raise ExpressionError(f"{text!r} is not an intrinsic function call (States.Name(...))")
    return _compile_node(text, parse_call(text))


def _compile_node(text: str, node: CallNode) -> IntrinsicCall:
    spec = REGISTRY.get(node.name)
    if spec is None:
        known = ", ".join(sorted(REGISTRY))
        raise ExpressionError(f"unknown intrinsic function {node.name} in {text!r}; known: {known}")
    problem = spec.arity_problem(len(node.args))
    if problem:
        raise ExpressionError(f"{problem} in {text!r}")
    args = tuple(_compile_argument(text, arg) for arg in node.args)
    first = node.args[0] if node.args else None
    if node.name == _FORMAT and isinstance(first, Literal) and first.raw is not None:
        args = (Value(intrinsic_functions.format_template(first.raw)), *args[1:])
    return IntrinsicCall(text, spec, args)


def _compile_argument(text: str, arg: Argument) -> Compiled:
    if isinstance(arg, Literal):
        return Value(arg.value)
    if isinstance(arg, PathArg):
        return Selection(arg)
    return _compile_node(text, arg)
