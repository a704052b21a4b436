"""The registry of intrinsic functions with their declared argument shapes.

Each function states its arguments once (`@intrinsic("States.ArrayPartition", args=(list, int))`);
the count is checked at load and the kinds at run time here, so messages are uniform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import AslError
from engine.language.scope import Json, Scope
from engine.language.values import dumps

ANY = object
NUMBER = (int, float)

_SHAPE_NAMES = {
    list: "an array",
    int: "an integer",
    str: "a string",
    dict: "a JSON object",
    bool: "a boolean",
    NUMBER: "a number",
}


@dataclass(frozen=True)
class Spec:
    name: str
    function: Callable[..., Json]
    args: tuple[object, ...]
    optional: int
    varargs: object | None
    minimum_varargs: int
    needs_scope: bool

    def arity_problem(self, count: int) -> str | None:
        """Why `count` arguments do not fit this function, or None."""
        least = len(self.args) - self.optional + (self.minimum_varargs if self.varargs else 0)
        most = None if self.varargs is not None else len(self.args)
        if count < least or (most is not None and count > most):
            if most is None:
                expected = f"at least {least}"
            elif least == most:
                expected = str(most)
            else:
                expected = f"{least} to {most}"
            plural = "" if expected == "1" else "s"
            return f"{self.name} takes {expected} argument{plural}, but {count} were given"
        return None

    def call(self, values: list[Json], scope: Scope) -> Json:
        checked = [self._checked(position, value) for position, value in enumerate(values)]
        if self.needs_scope:
            return self.function(scope, *checked)
        return self.function(*checked)

    def _checked(self, position: int, value: Json) -> Json:
        shape = self.args[position] if position < len(self.args) else self.varargs
        if shape is ANY or _fits(shape, value):
            return int(value) if shape is int else value
        raise failure(
            f"The {_ordinal(position)} argument of {self.name} must be {_SHAPE_NAMES[shape]}, "
            f"but was {dumps(value)}"
        )


REGISTRY: dict[str, Spec] = {}


def intrinsic(
    name: str,
    args: tuple[object, ...] = (),
    *,
    optional: int = 0,
    varargs: object | None = None,
    minimum_varargs: int = 0,
    needs_scope: bool = False,
) -> Callable[[Callable[..., Json]], Callable[..., Json]]:
    """Register an intrinsic function under its ASL name with its argument shapes."""

    def register(function: Callable[..., Json]) -> Callable[..., Json]:
        REGISTRY[name] = Spec(name, function, args, optional, varargs, minimum_varargs, needs_scope)
        return function

    return register


def failure(message: str) -> AslError:
    return AslError("States.IntrinsicFailure", message)


def _fits(shape: object, value: Json) -> bool:
    if isinstance(value, bool):
        return shape is bool
    if shape is int:
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if shape is NUMBER:
        return isinstance(value, NUMBER)
    return isinstance(value, shape)


def _ordinal(position: int) -> str:
    names = ("first", "second", "third", "fourth", "fifth")
    return names[position] if position < len(names) else f"{position + 1}th"
