"""What a step asks the outside world to do: small frozen dataclasses the shell applies.

The core never runs any of them; the runtime (or engine.testing) has one handler per kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


@dataclass(frozen=True)
class StartTimer:
    """Deliver `TimerFired(timer_id)` at `at` (UTC)."""

    timer_id: str
    at: datetime


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


def tolerance_exceeded(failed: int, total: int, count: int, percentage: float) -> bool:
    """Whether `failed` of `total` children exceed a `StartChildren` tolerance: none is
    tolerated when both thresholds are 0 (a threshold of 0 is one not given); otherwise only
    the thresholds given can be exceeded. The one copy of the rule, for every shell."""
    if count == 0 and percentage == 0:
        return failed > 0
    over_count = count > 0 and failed > count
    over_percentage = percentage > 0 and failed * 100 > percentage * total
    return over_count or over_percentage


@dataclass(frozen=True)
class Finish:
    """The run ended: status SUCCEEDED (with output), FAILED, ABORTED or TIMED_OUT."""

    status: str
    output: Json = None
    error: str | None = None
    cause: str | None = None


Effect = RunTask | StartTimer | StartChildren | Finish
