"""The context object `$$`: execution, state machine, state and retry count."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from engine.core.context import base_context, iso, state_context
from engine.core.interpreter import advance
from engine.core.triggers import Start
from engine.definition.compiler import compile_machine
from engine.testing import VirtualEnv, run


def test_iso_is_utc_with_milliseconds_and_z():
    assert iso(datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)) == "2024-05-06T07:08:09.123Z"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 5, 6, 7, 8, 9, 999999, tzinfo=UTC),
        datetime(987, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2024, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2024, 1, 1, 0, 0, 0, 1000),  # naive: local time, as astimezone reads it
    ],
)
def test_iso_prints_what_isoformat_prints_in_utc(moment: datetime):
    utc = moment.astimezone(UTC)
    assert iso(moment) == utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_base_context_keeps_given_values_and_fills_the_rest():
    now = datetime(2024, 1, 1, tzinfo=UTC)
    context = base_context(
        {"Execution": {"Name": "run-1"}, "sfn:variables": {"v": 1}}, {"in": 1}, now, "u"
    )
    assert context["Execution"]["Name"] == "run-1"
    assert context["Execution"]["Input"] == {"in": 1}
    assert context["Execution"]["StartTime"] == "2024-01-01T00:00:00.000Z"
    assert context["Execution"]["RedriveCount"] == 0
    assert context["StateMachine"]["Id"].endswith(":stateMachine:StateMachine")
    assert "sfn:variables" not in context


def test_state_context_adds_state_and_task_token():
    context = state_context({"Execution": {}}, "S", "t", 2, token="tok")
    assert context["State"] == {"EnteredTime": "t", "Name": "S", "RetryCount": 2}
    assert context["Task"] == {"Token": "tok"}


def test_retry_count_is_visible_to_each_attempt():
    seen = []

    def flaky(value):
        seen.append(value["retry"])
        if len(seen) < 3:
            raise RuntimeError("again")
        return value

    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "flaky",
                "End": True,
                "Parameters": {"retry.$": "$$.State.RetryCount", "name.$": "$$.Execution.Name"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3600}],
            }
        },
    }
    result = run(
        definition,
        {},
        {"flaky": flaky},
        env=VirtualEnv(seed=1),
        context={"Execution": {"Name": "exec-7"}},
    )
    assert seen == [0, 1, 2]
    assert result.output == {"retry": 2, "name": "exec-7"}


class _TickingEnv(VirtualEnv):
    """A clock that moves 1 ms at every reading."""

    def now(self) -> datetime:
        self.clock += timedelta(milliseconds=1)
        return self.clock


def test_each_state_sees_its_own_entered_time_and_the_snapshot_keeps_the_last_as_text():
    machine = compile_machine(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Parameters": {"a.$": "$$.State.EnteredTime"}, "Next": "B"},
                "B": {
                    "Type": "Pass",
                    "Parameters": {"a.$": "$.a", "b.$": "$$.State.EnteredTime"},
                    "Next": "C",
                },
                "C": {"Type": "Wait", "Seconds": 10, "End": True},
            },
        }
    )
    env = _TickingEnv(start=datetime(2024, 1, 1, tzinfo=UTC))
    step = advance(machine, None, Start({}), env)
    entered = [
        json.loads(e["stateEnteredEventDetails"]["input"])
        for e in step.events
        if "stateEnteredEventDetails" in e
    ]
    times = entered[2]  # C's input: A's and B's times
    assert times["a"] < times["b"] < step.snapshot["current"]["entered_time"]
    assert json.loads(json.dumps(step.snapshot)) == step.snapshot
