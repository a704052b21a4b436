"""History events carry AWS's type names and detail fields, payloads as JSON text."""

from __future__ import annotations

from engine.core import events
from engine.testing import run


def test_state_events_carry_names_and_json_text_payloads():
    entered = events.state_entered("Pass", "A", {"k": [1, 2]})
    assert entered == {
        "type": "PassStateEntered",
        "stateEnteredEventDetails": {
            "name": "A",
            "input": '{"k":[1,2]}',
            "inputDetails": {"truncated": False},
        },
    }


def test_failure_details_leave_out_what_is_null():
    assert events.execution_failed(None, None)["executionFailedEventDetails"] == {}
    assert events.execution_failed("E", None)["executionFailedEventDetails"] == {"error": "E"}


def test_a_task_history_reads_like_aws():
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "id", "End": True}}}
    history = run(definition, {"a": 1}, {"id": lambda value: value}).history
    assert [event["type"] for event in history] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert [event["id"] for event in history] == list(range(1, 8))
    assert history[2]["taskScheduledEventDetails"]["parameters"] == '{"a":1}'
    assert history[4]["taskSucceededEventDetails"]["output"] == '{"a":1}'


def test_inline_map_iterations_appear_in_the_history_distributed_ones_do_not():
    def definition(mode):
        return {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": mode},
                        "StartAt": "P",
                        "States": {"P": {"Type": "Pass", "End": True}},
                    },
                }
            },
        }

    inline = [event["type"] for event in run(definition("INLINE"), [1]).history]
    assert inline == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapIterationStarted",
        "PassStateEntered",
        "PassStateExited",
        "MapIterationSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    distributed = [event["type"] for event in run(definition("DISTRIBUTED"), [1]).history]
    assert distributed == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
