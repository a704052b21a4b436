"""The history comparison (compare_history.py), on hand-made recordings and histories."""

from __future__ import annotations

from typing import Any

from compare_history import event_differences, id_differences


def event(event_id: Any, previous: int, kind: str, **details: Any) -> dict[str, Any]:
    return {"id": event_id, "previousEventId": previous, "type": kind, **details}


def entered(name: str, input: Any) -> dict[str, Any]:
    return {"stateEnteredEventDetails": {"name": name, "input": input}}


RECORDED = [
    event(1, 0, "ExecutionStarted", executionStartedEventDetails={"roleArn": "snf_role_arn"}),
    event(2, 0, "PassStateEntered", **entered("P", {"a": 1})),
    event(3, 2, "ExecutionSucceeded"),
]


def case(history: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "t/x", "history": history, "normalize": []}


def history(previous: int = 0, input: str = '{"a":1}') -> list[dict[str, Any]]:
    role = {"roleArn": "arn:aws:iam::1:role/x"}
    return [
        event(1, 0, "ExecutionStarted", executionStartedEventDetails=role),
        event(2, previous, "PassStateEntered", **entered("P", input)),
        event(3, 2, "ExecutionSucceeded"),
    ]


def test_equal_histories_match_at_both_levels() -> None:
    assert id_differences(case(RECORDED), history()) == []
    assert event_differences(case(RECORDED), history()) == []


def test_a_previous_event_id_differs() -> None:
    assert id_differences(case(RECORDED), history(previous=1)) == [
        "event 2 (PassStateEntered): expected previousEventId 0, got 1"
    ]


def test_a_missing_event_is_a_count_difference() -> None:
    assert id_differences(case(RECORDED), history()[:2]) == ["history: expected 3 events, got 2"]


def test_details_are_compared_as_json_with_the_recording_s_parsing() -> None:
    assert event_differences(case(RECORDED), history(input='{"a":2}')) == [
        "event 2.stateEnteredEventDetails.input.a: expected 1, got 2"
    ]
    assert event_differences(case(RECORDED), history(input='{ "a" : 1 }')) == []


def test_masked_events_match_in_any_order_and_the_recording_may_drop_some() -> None:
    recorded = [
        event(1, 0, "ParallelStateStarted"),
        event([0], 0, "PassStateEntered", **entered("B", {})),
        event([0], 0, "PassStateEntered", **entered("A", {})),
        event(5, 3, "ParallelStateExited"),
    ]
    actual = [
        event(1, 0, "ParallelStateStarted"),
        event(2, 1, "PassStateEntered", **entered("A", "{}")),
        event(3, 2, "PassStateEntered", **entered("B", "{}")),
        event(4, 3, "ParallelStateSucceeded"),
        event(5, 3, "ParallelStateExited"),
    ]
    assert event_differences(case(recorded), actual) == []
    actual[2] = event(3, 2, "PassStateEntered", **entered("C", "{}"))
    assert event_differences(case(recorded), actual)[0].startswith("no event like the recorded")
