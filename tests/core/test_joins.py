"""A child group's rules (MaxConcurrency slots, tolerance, which failure wins): one copy in
the core, which engine.testing and the durable runtime both run."""

from __future__ import annotations

from engine.core.joins import (
    ChildError,
    Limits,
    free_slots,
    group_failed,
    group_outcome,
    slot_freed,
    winning_failure,
)
from engine.core.triggers import ChildFailed, ChildrenDone


def test_free_slots_keep_at_most_max_concurrency_running():
    assert free_slots(Limits(10), started=0, finished=0) == 10
    assert free_slots(Limits(10, max_concurrency=3), started=0, finished=0) == 3
    assert free_slots(Limits(10, max_concurrency=3), started=3, finished=1) == 1
    assert free_slots(Limits(10, max_concurrency=3), started=3, finished=0) == 0
    assert free_slots(Limits(4, max_concurrency=3), started=3, finished=3) == 1
    assert free_slots(Limits(4), started=4, finished=2) == 0


def test_an_end_frees_a_slot_only_where_max_concurrency_held_a_child_back():
    assert slot_freed(Limits(5, max_concurrency=2), started=2)
    assert not slot_freed(Limits(5, max_concurrency=2), started=5)
    assert not slot_freed(Limits(5), started=3)  # without a limit every child starts at once


def test_the_group_fails_past_the_tolerance():
    assert group_failed(Limits(10), 1)
    assert not group_failed(Limits(10, tolerated_count=2), 2)
    assert group_failed(Limits(10, tolerated_count=2), 3)
    assert not group_failed(Limits(10, tolerated_percentage=50), 5)
    assert group_failed(Limits(10, tolerated_percentage=50), 6)


def test_the_first_failure_past_the_tolerance_in_index_order_wins_whatever_order_they_came_in():
    # Child 3 failed first, then child 1 (a dict keeps the order they were recorded in).
    failures = {3: ChildError("Three", "c3"), 1: ChildError("One", "c1")}
    assert winning_failure(Limits(4, tolerated_count=1), failures) == 3
    assert winning_failure(Limits(4), failures) == 1
    assert winning_failure(Limits(4, tolerated_count=2), failures) is None


def test_a_failed_group_tells_which_failure_won_and_what_ended():
    failures = {3: ChildError("Three", "c3"), 1: ChildError("One", "c1")}
    failed = group_outcome(Limits(5, tolerated_count=1), {0: "a"}, failures)
    ended = {0: "a", 1: {"Error": "One", "Cause": "c1"}, 3: {"Error": "Three", "Cause": "c3"}}
    assert failed == ChildFailed(3, "Three", "c3", ended, (1, 3))


def test_tolerated_failures_are_results_in_index_order():
    failures = {3: ChildError("Three", "c3"), 1: ChildError("One", None)}
    done = group_outcome(Limits(4, tolerated_count=2), {2: "b", 0: "a"}, failures)
    assert done == ChildrenDone(
        ["a", {"Error": "One", "Cause": None}, "b", {"Error": "Three", "Cause": "c3"}], (1, 3)
    )
