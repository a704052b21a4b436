"""AWS's previousEventId rule, on event sequences taken from recorded histories."""

from __future__ import annotations

from engine.core.event_ids import LOOKBACK, numbered


def ids(*types: str) -> list[tuple[int, int]]:
    return [(e["id"], e["previousEventId"]) for e in numbered({"type": t} for t in types)]


def test_the_first_state_points_where_execution_started_does() -> None:
    assert ids("ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded") == [
        (1, 0),
        (2, 0),
        (3, 2),
        (4, 3),
    ]


def test_map_iterations_follow_the_previous_iteration_s_last_event() -> None:
    history = ids(
        "MapStateStarted",
        "MapIterationStarted",
        "PassStateEntered",
        "PassStateExited",
        "MapIterationSucceeded",
        "MapIterationStarted",
        "PassStateEntered",
        "PassStateExited",
        "MapIterationSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
    )
    assert [previous for _, previous in history] == [0, 1, 2, 3, 4, 4, 6, 7, 8, 9, 9]


def test_a_failed_iteration_and_the_map_s_retry_or_failure() -> None:
    history = ids(
        "MapIterationStarted",
        "FailStateEntered",
        "MapIterationFailed",
        "MapStateStarted",
        "MapIterationStarted",
        "FailStateEntered",
        "MapIterationFailed",
        "MapStateFailed",
        "MapStateExited",
    )
    assert [previous for _, previous in history] == [0, 1, 2, 2, 4, 5, 6, 6, 8]


def test_evaluation_failed_shares_the_entered_event_s_previous_except_in_a_wait() -> None:
    assert ids("ExecutionStarted", "MapStateEntered", "EvaluationFailed")[-1] == (3, 0)
    assert ids("PassStateExited", "MapStateEntered", "EvaluationFailed")[-1] == (3, 1)
    assert ids("ExecutionStarted", "WaitStateEntered", "EvaluationFailed")[-1] == (3, 2)


def test_numbering_from_the_middle_agrees_after_the_lookback() -> None:
    types = ["ExecutionStarted", "MapStateEntered", "MapStateStarted"]
    types += ["MapIterationStarted", "PassStateEntered", "PassStateExited", "MapIterationSucceeded"]
    types = types[:3] + types[3:] * 5 + ["MapStateSucceeded", "MapStateExited"]
    whole = list(numbered({"type": t} for t in types))
    first = 10
    tail = list(numbered(({"type": t} for t in types[first - 1 :]), first))
    assert tail[LOOKBACK:] == whole[first - 1 + LOOKBACK :]
