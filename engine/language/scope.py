"""What an expression can see besides its data: the context object, variables, randomness.

`$` is the data passed to an evaluation; `$$` is `Scope.context`; `$name` is a variable. The
random and uuid functions come from the interpreter's `Env` so evaluation stays deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Json = Any


def _no_random() -> float:
    raise RuntimeError("this scope has no source of randomness")


def _no_uuid() -> str:
    raise RuntimeError("this scope has no source of ids")


@dataclass(frozen=True)
class Scope:
    context: Json = field(default_factory=dict)
    variables: Mapping[str, Json] = field(default_factory=dict)
    random: Callable[[], float] = _no_random
    uuid: Callable[[], str] = _no_uuid
