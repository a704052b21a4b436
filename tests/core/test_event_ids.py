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


DISTRIBUTED = ["MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded"]
DISTRIBUTED += ["MapStateSucceeded", "MapStateExited", "SucceedStateEntered"]


def test_a_distributed_map_s_exit_points_to_its_map_run_start_unless_it_came_first() -> None:
    """As the 12 recorded Distributed Map histories have it: after another state, MapStateExited
    points to MapRunStarted; as the first state, to MapRunSucceeded."""
    after_pass = ids("ExecutionStarted", "PassStateEntered", "PassStateExited", *DISTRIBUTED)
    assert after_pass[-2:] == [(9, 6), (10, 9)]  # 6: MapRunStarted
    first = ids("ExecutionStarted", *DISTRIBUTED)
    assert first[-2:] == [(7, 5), (8, 7)]  # 5: MapRunSucceeded
    # an inline Map's exit is untouched: it points where MapStateSucceeded does
    inline = ["PassStateExited", "MapStateEntered", "MapStateStarted", "MapStateSucceeded"]
    assert ids(*inline, "MapStateExited")[-2:] == [(4, 3), (5, 3)]


def test_a_distributed_map_numbered_from_the_middle_agrees_after_the_lookback() -> None:
    types = ["ExecutionStarted", "PassStateEntered", "PassStateExited", *DISTRIBUTED * 3]
    whole = list(numbered({"type": t} for t in types))
    first = 5
    tail = list(numbered(({"type": t} for t in types[first - 1 :]), first))
    assert tail[LOOKBACK:] == whole[first - 1 + LOOKBACK :]
