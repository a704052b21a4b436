"""What executing a state can come to: a transition, a wait for the outside, or a failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = Any


@dataclass(slots=True)
class Transition:
    """The state is done: exit with `output` to `next` (None ends the run successfully).

    Not frozen, unlike the other outcomes: one is made per state exited, and a frozen
    dataclass takes three times as long to make. Nothing changes one once made."""

    output: Json
    next: str | None
    assigned: dict[str, Json] = field(default_factory=dict)


@dataclass(frozen=True)
class Suspend:
    """The state waits for a trigger (task result, timer, children); effects are recorded."""


@dataclass(frozen=True)
class Failure:
    """The state failed; Retry and Catch decide what follows. `from_task` for a task error.
    `unless_retried`: events written only when no retry follows (AWS writes MapStateFailed /
    ParallelStateFailed only when the state gives up)."""

    error: str | None
    cause: str | None
    from_task: bool = False
    unless_retried: tuple[dict[str, Any], ...] = ()


Outcome = Transition | Suspend | Failure
