"""What an expression can see besides its data: the context object, variables, randomness.

`$` is the data passed to an evaluation; `$$` is `Scope.context`; `$name` is a variable. The
random and uuid functions come from the interpreter's `Env` so evaluation stays deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Json = Any


def _no_random() -> float:
    raise RuntimeError("this scope has no source of randomness")


def _no_uuid() -> str:
    raise RuntimeError("this scope has no source of ids")


class Scope:
    """`context` is given, or built by `build_context` when an expression first reads it:
    the interpreter makes a scope for every state it runs, and most never read `$$`."""

    __slots__ = ("_build_context", "_context", "random", "uuid", "variables")

    def __init__(
        self,
        context: Json = None,
        variables: Mapping[str, Json] | None = None,
        random: Callable[[], float] = _no_random,
        uuid: Callable[[], str] = _no_uuid,
        build_context: Callable[[], Json] | None = None,
    ) -> None:
        self._context = {} if context is None and build_context is None else context
        self._build_context = build_context
        self.variables: Mapping[str, Json] = {} if variables is None else variables
        self.random = random
        self.uuid = uuid

    @property
    def context(self) -> Json:
        if self._context is None:
            self._context = self._build_context()
        return self._context
