"""The in-memory driver: callables as activities, a virtual clock, timeouts, child runs."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from engine.errors import DefinitionError
from engine.testing import Result, VirtualEnv, run

TASK = {"Type": "Task", "Resource": "work", "End": True}


def machine(*states: tuple[str, dict]) -> dict:
    return {"StartAt": states[0][0], "States": dict(states)}


def test_an_activity_gets_the_task_input_and_returns_the_result():
    result = run(machine(("T", TASK)), {"n": 2}, {"work": lambda value: {"double": value["n"] * 2}})
    assert result == Result(
        "SUCCEEDED", {"double": 4}, None, None, result.history, result.execution_id
    )
    assert ":execution:" in result.execution_id


def test_an_exception_fails_the_task_with_a_lambda_shaped_cause():
    def work(_):
        raise LookupError("not here")

    result = run(machine(("T", TASK)), {}, {"work": work})
    assert (result.status, result.error) == ("FAILED", "LookupError")
    cause = json.loads(result.cause)
    assert (cause["errorType"], cause["errorMessage"]) == ("LookupError", "not here")
    assert "stackTrace" in cause and "requestId" in cause


def test_an_unknown_activity_is_a_task_failure():
    result = run(machine(("T", TASK)), {})
    assert result.error == "States.TaskFailed" and "work" in result.cause


def test_definitions_load_from_json_text():
    result = run(json.dumps(machine(("P", {"Type": "Pass", "End": True}))), {"a": 1})
    assert result.output == {"a": 1}


def test_waits_and_retry_delays_take_no_real_time():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    env = VirtualEnv(start=start, seed=3)
    attempts = []

    def work(value):
        attempts.append(env.now())
        if len(attempts) < 3:
            raise RuntimeError("retry me")
        return value

    definition = machine(
        ("W", {"Type": "Wait", "Seconds": 86400, "Next": "T"}),
        (
            "T",
            {
                **TASK,
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "BackoffRate": 2}],
            },
        ),
    )
    assert run(definition, {"x": 1}, {"work": work}, env=env).output == {"x": 1}
    day = start + timedelta(days=1)
    assert attempts == [day, day + timedelta(seconds=10), day + timedelta(seconds=30)]


def test_full_jitter_delays_come_from_the_seeded_env():
    def delays(seed):
        env = VirtualEnv(start=datetime(2024, 1, 1, tzinfo=UTC), seed=seed)
        seen = []

        def work(value):
            seen.append(env.now())
            raise RuntimeError("again")

        retry = [
            {
                "ErrorEquals": ["States.ALL"],
                "IntervalSeconds": 100,
                "MaxAttempts": 3,
                "JitterStrategy": "FULL",
            }
        ]
        run(machine(("T", {**TASK, "Retry": retry})), {}, {"work": work}, env=env)
        return [later - earlier for earlier, later in pairwise(seen)]

    assert delays(5) == delays(5)
    assert delays(5) != delays(6)
    assert all(timedelta(0) <= delay < timedelta(seconds=400) for delay in delays(5))


def test_task_timeout_does_not_wait_for_a_slow_activity():
    release = threading.Event()

    def slow(value):
        release.wait(30)
        return value

    definition = machine(("T", {**TASK, "TimeoutSeconds": 1}))
    try:
        result = run(definition, {}, {"work": slow})
    finally:
        release.set()
    assert (result.status, result.error, result.cause) == ("FAILED", "States.Timeout", None)
    assert result.history[-2]["type"] == "TaskTimedOut"


def test_map_runs_iterations_in_index_order_with_max_concurrency_one():
    order = []

    def work(value):
        order.append(value)
        return value * 10

    definition = machine(
        (
            "M",
            {
                "Type": "Map",
                "MaxConcurrency": 1,
                "End": True,
                "ItemProcessor": {"StartAt": "T", "States": {"T": TASK}},
            },
        )
    )
    assert run(definition, [3, 1, 2], {"work": work}).output == [30, 10, 20]
    assert order == [3, 1, 2]


def test_a_failing_iteration_stops_the_map():
    calls = []

    def work(value):
        calls.append(value)
        if value == 2:
            raise ValueError("two")
        return value

    definition = machine(
        (
            "M",
            {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "T", "States": {"T": TASK}}},
        )
    )
    result = run(definition, [1, 2, 3], {"work": work})
    assert (result.status, result.error, calls) == ("FAILED", "ValueError", [1, 2])
    types = [event["type"] for event in result.history]
    assert "MapIterationFailed" in types and types[-2:] == ["MapStateFailed", "ExecutionFailed"]


def test_history_events_have_ids_previous_ids_and_timestamps():
    result = run(machine(("P", {"Type": "Pass", "End": True})), {})
    assert [(e["id"], e["previousEventId"]) for e in result.history] == [
        (1, 0),
        (2, 0),
        (3, 2),
        (4, 3),
    ]
    assert all(e["timestamp"].endswith("Z") for e in result.history)


def test_an_activity_that_stops_heartbeating_times_out_with_heartbeat_timeout():
    release = threading.Event()

    def silent(value, context):
        release.wait(30)
        return value

    definition = machine(("T", {**TASK, "HeartbeatSeconds": 1, "TimeoutSeconds": 20}))
    try:
        result = run(definition, {}, {"work": silent})
    finally:
        release.set()
    assert (result.status, result.error) == ("FAILED", "States.HeartbeatTimeout")


def test_heartbeats_keep_a_slow_activity_alive():
    def beating(value, context):
        for _ in range(6):
            context.heartbeat()
            threading.Event().wait(0.25)
        return {"attempt": context.attempt, "state": context.state_name}

    definition = machine(("T", {**TASK, "HeartbeatSeconds": 1}))
    result = run(definition, {}, {"work": beating})
    assert result.output == {"attempt": 1, "state": "T"}


def test_an_invalid_definition_is_reported_with_every_problem():
    with pytest.raises(DefinitionError) as raised:
        run({"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "Next": "Gone"}}})
    assert len(raised.value.diagnostics) >= 2


def test_any_env_will_do_even_one_without_a_virtual_clock():
    class FrozenEnv:
        def now(self):
            return datetime(2030, 1, 1, tzinfo=UTC)

        def random(self):
            return 0.0

        def uuid(self):
            return "00000000-0000-4000-8000-000000000000"

        def token(self):
            return "t"

    definition = machine(
        ("W", {"Type": "Wait", "Seconds": 5, "Next": "P"}),
        ("P", {"Type": "Pass", "Parameters": {"now.$": "$$.State.EnteredTime"}, "End": True}),
    )
    result = run(definition, {}, env=FrozenEnv())
    assert result.output == {"now": "2030-01-01T00:00:00.000Z"}
    assert result.execution_id.endswith(":00000000-0000-4000-8000-000000000000")


def test_branches_and_nested_iterations_see_the_execution_input():
    # Children do not carry `$$.Execution.Input`; the driver supplies the execution's.
    seen = {"Type": "Pass", "Parameters": {"input.$": "$$.Execution.Input"}, "End": True}
    inner = {
        "Type": "Map",
        "ItemsPath": "$.inner",
        "ItemProcessor": {"StartAt": "S", "States": {"S": seen}},
        "End": True,
    }
    branch = {"StartAt": "Inner", "States": {"Inner": inner}}
    definition = machine(("P", {"Type": "Parallel", "Branches": [branch], "End": True}))
    given = {"inner": [1, 2]}
    assert run(definition, given).output == [[{"input": given}, {"input": given}]]
    context = {"Execution": {"Input": {"told": True}}}
    assert run(definition, given, context=context).output == [[{"input": {"told": True}}] * 2]


def _nested(levels: int) -> list:
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("returned", "cause"),
    [
        ({"t": datetime(2026, 1, 1, tzinfo=UTC)}, "$.t: datetime is not JSON"),
        ({"tags": {"a"}}, "$.tags: set is not JSON"),
        ({"v": float("nan")}, "$.v: NaN is not JSON"),
        ([float("inf")], "$[0]: Infinity is not JSON"),
        (_nested(3000), "nested more than 200 levels deep (at $[0][0]"),
    ],
    ids=["datetime", "set", "nan", "infinity", "deep"],
)
def test_a_result_that_is_not_json_fails_the_attempt_with_marshal_error(returned, cause):
    calls = []

    def work(_):
        calls.append(1)
        return returned

    task = {
        **TASK,
        "Retry": [{"ErrorEquals": ["Runtime.MarshalError"], "MaxAttempts": 1}],
        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}],
    }
    definition = machine(("T", task), ("Caught", {"Type": "Pass", "End": True}))
    result = run(definition, {}, {"work": work})
    assert len(calls) == 2  # the retrier matched the error; each attempt ran once
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "Runtime.MarshalError"
    assert result.output["Cause"].startswith(f"Unable to marshal response: {cause}")
    failed = [e for e in result.history if e["type"] == "TaskFailed"]
    assert [e["taskFailedEventDetails"]["error"] for e in failed] == ["Runtime.MarshalError"] * 2


def test_a_lambda_invoke_result_that_is_not_json_fails_with_marshal_error():
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "work", "Payload": {}},
        "End": True,
    }
    result = run(machine(("T", task)), {}, {"work": lambda _: {"when": {1, 2}}})
    assert (result.status, result.error) == ("FAILED", "Runtime.MarshalError")
    assert result.cause == "Unable to marshal response: $.when: set is not JSON"
