"""What can happen to a run from outside: the triggers `advance` reacts to.

Frozen dataclasses, so the shell can build them from stored JSON and the core can match on type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = Any


@dataclass(frozen=True)
class Start:
    """Start a run. `context` holds `Execution`/`StateMachine` (and `Map` for an iteration).

    A child run's context also carries private keys that never show in `$$`: the outer
    scope's variables (`VARIABLES_KEY`, read-only for the child), its run id (`RUN_KEY`) and,
    for a Map iteration, its item index (`INDEX_KEY`).
    """

    input: Json = None
    context: Json = field(default_factory=dict)
    # `input` as JSON text, when the shell printed it already (an execution's stored input):
    # its history prints that text. Not compared: it says nothing `input` does not.
    encoded: str | None = field(default=None, compare=False)


VARIABLES_KEY = "sfn:variables"
RUN_KEY = "sfn:run"
INDEX_KEY = "sfn:index"


@dataclass(frozen=True)
class TaskSucceeded:
    """The task behind `token` returned `output`."""

    token: str
    output: Json = None


@dataclass(frozen=True)
class TaskFailed:
    """The task behind `token` failed with `error` and `cause`."""

    token: str
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class TaskTimedOut:
    """`kind` is "timeout" (TimeoutSeconds) or "heartbeat" (HeartbeatSeconds). The core's own
    task timers (`task_timers`) fire as `TimerFired`; this is for a shell's timers written
    before the core armed them."""

    token: str
    kind: str = "timeout"


@dataclass(frozen=True)
class TaskHeartbeat:
    """The task behind `token` is alive; the first one says its attempt started."""

    token: str


@dataclass(frozen=True)
class TaskRedelivered:
    """The shell sends a Task attempt again because the worker running it was lost;
    `delivery` counts the sends after the first (1, 2, ...). With `new_token`, the attempt is
    awaited under that token from now on (a silent API poller's token then answers nothing)."""

    token: str
    delivery: int
    new_token: str | None = None


@dataclass(frozen=True)
class TimerFired:
    """The core's timer `timer_id` (a Wait, a retry's delay, a task timeout) fell due."""

    timer_id: str


@dataclass(frozen=True)
class ChildrenDone:
    """Every child succeeded (or failed within the tolerance): outputs in index order, and
    the indexes of the children that failed (their results are `{"Error", "Cause"}`)."""

    results: list[Json] = field(default_factory=list)
    failed: tuple[int, ...] = ()


@dataclass(frozen=True)
class ChildFailed:
    """The child failure that ends the Parallel/Map (the first one, or the one past tolerance),
    and what the shell knows of the children that ended by then (a ResultWriter writes them):
    `results` by child index (`{"Error", "Cause"}` for a failed one), `failed` their indexes."""

    index: int
    error: str | None = None
    cause: str | None = None
    results: dict[int, Json] = field(default_factory=dict)
    failed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Stop:
    """StopExecution: the run ends ABORTED."""

    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class Redrive:
    """Continue a FAILED, TIMED_OUT or ABORTED run from the state it ended in, with that
    state's input. `kept`: when that state is a Map or Parallel, the outputs (by child index)
    of its children that succeeded in the last attempt; only the others run again."""

    kept: dict[int, Json] = field(default_factory=dict)


Trigger = (
    Start
    | TaskSucceeded
    | TaskFailed
    | TaskTimedOut
    | TaskHeartbeat
    | TaskRedelivered
    | TimerFired
    | ChildrenDone
    | ChildFailed
    | Stop
    | Redrive
)
