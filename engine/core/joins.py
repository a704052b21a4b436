"""The rules of a child group (Parallel branches, Map iterations), for every shell: how many
children may start now (MaxConcurrency), whether the failures so far fail the group (the
tolerated count and percentage), and which failure it then fails with.

`engine.testing` and the durable runtime both ask here; neither keeps a copy of a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.core.effects import StartChildren
from engine.core.triggers import ChildFailed, ChildrenDone

Json = Any


@dataclass(frozen=True)
class Limits:
    """A group's limits, as its `StartChildren` gave them (0: not given)."""

    total: int
    max_concurrency: int = 0
    tolerated_count: int = 0
    tolerated_percentage: float = 0.0

    @classmethod
    def of(cls, request: StartChildren) -> Limits:
        return cls(
            len(request.children),
            request.max_concurrency,
            request.tolerated_failure_count,
            request.tolerated_failure_percentage,
        )


@dataclass(frozen=True)
class ChildError:
    """How a child failed."""

    error: str | None
    cause: str | None


def tolerance_exceeded(failed: int, total: int, count: int, percentage: float) -> bool:
    """Whether `failed` of `total` children exceed a tolerance: none is tolerated when both
    thresholds are 0 (a threshold of 0 is one not given); otherwise only the thresholds given
    can be exceeded."""
    if count == 0 and percentage == 0:
        return failed > 0
    over_count = count > 0 and failed > count
    over_percentage = percentage > 0 and failed * 100 > percentage * total
    return over_count or over_percentage


def group_failed(limits: Limits, failed: int) -> bool:
    """Whether `failed` children fail the group: then no child starts any more."""
    return tolerance_exceeded(
        failed, limits.total, limits.tolerated_count, limits.tolerated_percentage
    )


def free_slots(limits: Limits, started: int, finished: int) -> int:
    """How many more children may start now: those not started yet, at most MaxConcurrency
    running at once."""
    free = limits.total - started
    if limits.max_concurrency:
        free = min(free, limits.max_concurrency - (started - finished))
    return max(free, 0)


def slot_freed(limits: Limits, started: int) -> bool:
    """Whether a child's end lets a waiting child start (MaxConcurrency held it back)."""
    return bool(limits.max_concurrency) and started < limits.total


def winning_failure(limits: Limits, failures: Mapping[int, ChildError]) -> int | None:
    """The index of the failure that fails the group, from the failures known so far (by
    child index), or None while they are within the tolerance. It is the first past the
    tolerance in index order, the order children start in: with MaxConcurrency 1, the one that
    stopped the group (AWS's `test_map_state_break_condition` records so); with none
    tolerated, the lowest."""
    for failed, index in enumerate(sorted(failures), start=1):
        if group_failed(limits, failed):
            return index
    return None


def group_outcome(
    limits: Limits, results: Mapping[int, Json], failures: Mapping[int, ChildError]
) -> ChildrenDone | ChildFailed:
    """What the parent hears once the group failed or every child ended: `ChildFailed` for
    the winning failure, else `ChildrenDone` (outputs in index order). Both carry the children
    that ended, each tolerated or earlier failure as `{"Error", "Cause"}`."""
    ended = dict(results)
    for index, failure in failures.items():
        ended[index] = {"Error": failure.error, "Cause": failure.cause}
    failed = tuple(sorted(failures))
    winner = winning_failure(limits, failures)
    if winner is not None:
        failure = failures[winner]
        return ChildFailed(winner, failure.error, failure.cause, ended, failed)
    return ChildrenDone([ended[index] for index in sorted(ended)], failed)
