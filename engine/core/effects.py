"""What a step asks the outside world to do: small frozen dataclasses the shell applies.

The core never runs any of them; the runtime (or engine.testing) has one handler per kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from engine.language.json_text import compact

Json = Any


@dataclass(frozen=True)
class RunTask:
    """Run the activity `resource` with `input`; report back with the `token`."""

    token: str
    resource: str
    input: Json
    timeout_seconds: int | None
    heartbeat_seconds: int | None
    state_name: str
    attempt: int
    idempotency_key: str


class TimerKind(StrEnum):
    """What a timer of the core is for. A shell stores and fires every kind the same way; the
    kind tells it which timers measure a running Task attempt (`ATTEMPT_TIMERS`)."""

    WAIT = "wait"
    RETRY = "retry"
    YIELD = "yield"
    EXECUTION_TIMEOUT = "execution-timeout"
    TASK_TIMEOUT = "task-timeout"  # a Task's TimeoutSeconds
    HEARTBEAT = "heartbeat"  # a Task's HeartbeatSeconds


ATTEMPT_TIMERS = frozenset({TimerKind.TASK_TIMEOUT, TimerKind.HEARTBEAT})


@dataclass(frozen=True)
class StartTimer:
    """Deliver `TimerFired(timer_id)` at `at` (UTC). Starting a timer that has not fired yet
    moves it to the new time (a heartbeat re-arms its Task's timer so)."""

    timer_id: str
    at: datetime
    kind: TimerKind


@dataclass(frozen=True)
class CancelTimer:
    """The timer `timer_id` is no longer wanted (its Task attempt ended): drop it unfired."""

    timer_id: str


@dataclass(frozen=True)
class Child:
    """One child run: `machine_path` names its machine inside the root machine."""

    index: int
    machine_path: tuple[str | int, ...]
    input: Json
    context: Json


@dataclass(frozen=True)
class StartChildren:
    """Run the children (at most `max_concurrency` at once, 0 = no limit) and report once."""

    state_name: str
    children: list[Child]
    max_concurrency: int
    tolerated_failure_count: int
    tolerated_failure_percentage: float


@dataclass(frozen=True)
class Finish:
    """The run ended: status SUCCEEDED (with output), FAILED, ABORTED or TIMED_OUT."""

    status: str
    output: Json = None
    error: str | None = None
    cause: str | None = None
    # `output` as JSON text, as the run's history printed it: the shell stores that text (the
    # run record, the execution's output, a child's result) without encoding it again. Not
    # compared: it says nothing `output` does not.
    encoded: str | None = field(default=None, compare=False)

    def output_text(self) -> str:
        """`output` as compact JSON text (printed once)."""
        return compact(self.output) if self.encoded is None else self.encoded


Effect = RunTask | StartTimer | CancelTimer | StartChildren | Finish
