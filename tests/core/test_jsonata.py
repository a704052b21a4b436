"""JSONata states, each type, run through the in-memory driver: `$states`, Arguments, Output,
Assign, Condition, Items, ItemSelector, Retry/Catch, Wait and Fail fields, and
States.QueryEvaluationError as AWS words it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.core import advance
from engine.core.effects import RunTask, StartChildren
from engine.core.triggers import Start
from engine.definition.compiler import compile_machine
from engine.errors import ExpressionError
from engine.language.jsonata import JsonataTemplate
from engine.testing import VirtualEnv, run

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PREFIX = "An error occurred while executing the state '{}' (entered at the event id #{}). "


def jsonata(states: dict, start: str | None = None) -> dict:
    return {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states}


def one(state: dict, input=None, **kwargs):
    return run(jsonata({"S": state}), input, **kwargs)


def exited(result, name: str) -> dict:
    return next(
        event["stateExitedEventDetails"]
        for event in result.history
        if event["type"].endswith("StateExited")
        and event["stateExitedEventDetails"]["name"] == name
    )


def test_a_machine_compiles_its_expressions_once_into_templates():
    machine = compile_machine(jsonata({"S": {"Type": "Pass", "Output": "{% 1 %}", "End": True}}))
    assert isinstance(machine.states["S"].output, JsonataTemplate)
    with pytest.raises(ExpressionError, match=r"state 'S'.*does not parse"):
        compile_machine(jsonata({"S": {"Type": "Pass", "Output": "{% 1 + %}", "End": True}}))


def test_pass_output_sees_the_input_the_context_and_variables():
    definition = jsonata(
        {
            "Init": {"Type": "Pass", "Assign": {"rate": 2}, "Next": "S"},
            "S": {
                "Type": "Pass",
                "Output": {
                    "total": "{% $states.input.n * $rate %}",
                    "state": "{% $states.context.State.Name %}",
                    "literal": "$states.input",
                    "spaced": " {% 1 %} ",
                },
                "End": True,
            },
        }
    )
    result = run(definition, {"n": 21})
    assert result.output == {
        "total": 42,
        "state": "S",
        "literal": "$states.input",
        "spaced": " {% 1 %} ",
    }


def test_pass_without_output_passes_its_input_and_a_literal_output_replaces_it():
    assert one({"Type": "Pass", "End": True}, {"a": 1}).output == {"a": 1}
    assert one({"Type": "Pass", "Output": [1, "x"], "End": True}, {"a": 1}).output == [1, "x"]


def test_assign_and_output_see_the_variables_as_they_were_before_the_state():
    definition = jsonata(
        {
            "Init": {"Type": "Pass", "Assign": {"count": 1}, "Next": "S"},
            "S": {
                "Type": "Pass",
                "Assign": {"count": "{% $count + 1 %}", "previous": "{% $count %}"},
                "Output": {"seen": "{% $count %}"},
                "Next": "After",
            },
            "After": {"Type": "Pass", "Output": "{% [$count, $previous] %}", "End": True},
        }
    )
    result = run(definition, {})
    assert exited(result, "S")["output"] == '{"seen":1}'
    assert exited(result, "S")["assignedVariables"] == {"count": "2", "previous": "1"}
    assert result.output == [2, 1]


def test_task_arguments_are_its_input_and_output_sees_the_result():
    seen = []

    def double(value):
        seen.append(value)
        return {"doubled": value["n"] * 2}

    state = {
        "Type": "Task",
        "Resource": "double",
        "Arguments": {"n": "{% $states.input.value %}"},
        "Output": {"was": "{% $states.input.value %}", "now": "{% $states.result.doubled %}"},
        "End": True,
    }
    result = one(state, {"value": 4}, activities={"double": double})
    assert seen == [{"n": 4}]
    assert result.output == {"was": 4, "now": 8}


def test_task_without_arguments_or_output_takes_the_input_and_gives_the_result():
    result = one(
        {"Type": "Task", "Resource": "echo", "End": True},
        {"a": 1},
        activities={"echo": lambda v: [v]},
    )
    assert result.output == [{"a": 1}]


def test_task_timeouts_may_be_expressions():
    definition = jsonata(
        {
            "S": {
                "Type": "Task",
                "Resource": "work",
                "TimeoutSeconds": "{% $states.input.limit * 2 %}",
                "HeartbeatSeconds": 5,
                "End": True,
            }
        }
    )
    step = advance(compile_machine(definition), None, Start({"limit": 30}), VirtualEnv(T0, 1))
    task = next(effect for effect in step.effects if isinstance(effect, RunTask))
    assert (task.timeout_seconds, task.heartbeat_seconds) == (60, 5)


def test_a_timeout_that_is_not_positive_fails_the_state():
    state = {"Type": "Task", "Resource": "work", "TimeoutSeconds": "{% 0 %}", "End": True}
    result = one(state, {}, activities={"work": lambda v: v})
    assert result.error == "States.QueryEvaluationError"
    assert result.cause.startswith(PREFIX.format("S", 2)) and "TimeoutSeconds" in result.cause


def test_catch_output_and_assign_see_the_error_output_and_the_input():
    def broken(value):
        raise ValueError("no stock")

    definition = jsonata(
        {
            "S": {
                "Type": "Task",
                "Resource": "broken",
                "Retry": [{"ErrorEquals": ["ValueError"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"failed": "{% $states.errorOutput.Error %}"},
                        "Output": {
                            "order": "{% $states.input.order %}",
                            "error": "{% $states.errorOutput.Error %}",
                        },
                        "Next": "Handled",
                    }
                ],
                "End": True,
            },
            "Handled": {"Type": "Pass", "Output": "{% [$states.input, $failed] %}", "End": True},
        }
    )
    result = run(definition, {"order": "A1"}, activities={"broken": broken})
    attempts = [event for event in result.history if event["type"] == "TaskFailed"]
    assert len(attempts) == 2
    assert result.output == [{"order": "A1", "error": "ValueError"}, "ValueError"]


def test_a_catcher_without_output_passes_the_error_output():
    definition = jsonata(
        {
            "S": {
                "Type": "Task",
                "Resource": "echo",
                "Output": "{% $states.input.missing %}",
                "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "H"}],
                "End": True,
            },
            "H": {"Type": "Succeed"},
        }
    )
    result = run(definition, {}, activities={"echo": lambda value: value})
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "States.QueryEvaluationError"
    assert result.output["Cause"] == (
        PREFIX.format("S", 2) + "The JSONata expression '$states.input.missing' specified for "
        "the field 'Output' returned nothing (undefined)."
    )


@pytest.mark.parametrize("expression", ["$sum", "function($x) { $x }", "$x := $uppercase"])
def test_an_expression_whose_value_is_a_function_fails_as_an_unsupported_result(expression):
    # jlens renders a function as no JSON value: it must not read as "nothing (undefined)".
    result = one({"Type": "Pass", "Output": {"x": "{% " + expression + " %}"}, "End": True}, {})
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert result.cause.endswith(
        f"The JSONata expression '{expression}' specified for the field 'Output/x' "
        "returned an unsupported result type."
    )


def test_an_expression_that_throws_fails_with_the_jsonata_error():
    result = one({"Type": "Pass", "Output": {"x": "{% $nothing() %}"}, "End": True}, {})
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert result.cause == (
        PREFIX.format("S", 2) + "The JSONata expression '$nothing()' specified for the field "
        "'Output/x' threw an error during evaluation. T1006: Attempted to invoke a non-function"
    )


CHOICE = jsonata(
    {
        "C": {
            "Type": "Choice",
            "Choices": [
                {
                    "Condition": "{% $states.input.n > 10 %}",
                    "Assign": {"size": "big"},
                    "Output": {"big": "{% $states.input.n %}"},
                    "Next": "End",
                },
                {"Condition": "{% $states.input.n > 0 %}", "Next": "End"},
            ],
            "Default": "End",
            "Assign": {"size": "none"},
            "Output": "{% $states.input.n * -1 %}",
        },
        "End": {"Type": "Pass", "Output": "{% [$states.input, $size] %}", "End": True},
    }
)


@pytest.mark.parametrize(
    ("n", "expected"),
    # the second rule assigns nothing, so `$size` is undefined, which JSONata drops from arrays
    [(11, [{"big": 11}, "big"]), (5, [-5]), (-3, [3, "none"])],
)
def test_choice_takes_the_first_true_condition_with_its_assign_and_output(n, expected):
    assert run(CHOICE, {"n": n}).output == expected


def test_choice_condition_must_be_a_boolean_and_no_match_without_default_fails():
    rule = {"Condition": "{% $states.input.n %}", "Next": "S"}
    result = one({"Type": "Choice", "Choices": [rule]}, {"n": 1})
    assert result.error == "States.QueryEvaluationError"
    assert "Expected 'boolean', but was 'number'" in result.cause
    rule = {"Condition": False, "Next": "S"}
    assert one({"Type": "Choice", "Choices": [rule]}, {}).error == "States.NoChoiceMatched"


def test_wait_seconds_and_timestamp_may_be_expressions():
    env = VirtualEnv(T0, 1)
    state = {
        "Type": "Wait",
        "Seconds": "{% $states.input.s %}",
        "Output": "{% 'done' %}",
        "End": True,
    }
    assert one(state, {"s": 90}, env=env).output == "done"
    assert env.now() == T0 + timedelta(seconds=90)
    env = VirtualEnv(T0, 1)
    state = {"Type": "Wait", "Timestamp": "{% $states.input.at %}", "End": True}
    assert one(state, {"at": "2026-01-02T00:00:00Z"}, env=env).output == {
        "at": "2026-01-02T00:00:00Z"
    }
    assert env.now() == T0 + timedelta(days=1)


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (
            {"Seconds": "{% -1 %}"},
            "The Seconds field must be an integer from 0 to 99999999, but was: -1",
        ),
        ({"Seconds": "{% 1.5 %}"}, "Expected 'integer', but was 'number' for value: 1.5"),
        ({"Timestamp": "{% 'soon' %}"}, "ISO-8601 extended offset date-time format string: soon"),
    ],
)
def test_wait_fields_of_the_wrong_kind_fail_with_query_evaluation_error(state, message):
    result = one({"Type": "Wait", "End": True, **state}, {})
    assert result.error == "States.QueryEvaluationError"
    assert result.cause.startswith(PREFIX.format("S", 2)) and result.cause.endswith(message)


def test_fail_error_and_cause_may_be_expressions_and_must_be_strings():
    state = {
        "Type": "Fail",
        "Error": "{% 'Bad.' & $states.input.kind %}",
        "Cause": "{% $string($states.input) %}",
    }
    result = one(state, {"kind": "Input"})
    assert (result.error, result.cause) == ("Bad.Input", '{"kind":"Input"}')
    result = one({"Type": "Fail", "Error": "{% 42 %}"}, {})
    assert result.error == "States.QueryEvaluationError" and "Expected 'string'" in result.cause


def test_parallel_arguments_go_to_every_branch_and_output_sees_the_results():
    def branch(name: str) -> dict:
        state = {"Type": "Pass", "Output": "{% $states.input.v + 1 %}", "End": True}
        return {"StartAt": name, "States": {name: state}}

    definition = jsonata(
        {
            "P": {
                "Type": "Parallel",
                "Arguments": {"v": "{% $states.input.start %}"},
                "Branches": [branch("B1"), branch("B2")],
                "Output": {"sum": "{% $sum($states.result) %}"},
                "End": True,
            }
        }
    )
    assert run(definition, {"start": 1}).output == {"sum": 4}


def test_map_items_and_item_selector_see_the_item_and_its_index():
    definition = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.orders[price > 0] %}",
                "ItemSelector": {
                    "index": "{% $states.context.Map.Item.Index %}",
                    "sku": "{% $states.context.Map.Item.Value.sku %}",
                    "currency": "{% $states.input.currency %}",
                },
                "ItemProcessor": {
                    "StartAt": "I",
                    "States": {"I": {"Type": "Pass", "End": True}},
                },
                "Output": "{% $states.result.sku %}",
                "End": True,
            }
        }
    )
    orders = [{"sku": "a", "price": 1}, {"sku": "b", "price": 0}, {"sku": "c", "price": 2}]
    result = run(definition, {"orders": orders, "currency": "EUR"})
    assert result.output == ["a", "c"]
    machine = compile_machine(definition)
    step = advance(machine, None, Start({"orders": orders, "currency": "EUR"}), VirtualEnv(T0, 1))
    request = next(effect for effect in step.effects if isinstance(effect, StartChildren))
    assert [child.input for child in request.children] == [
        {"index": 0, "sku": "a", "currency": "EUR"},
        {"index": 1, "sku": "c", "currency": "EUR"},
    ]


def test_map_limits_may_be_expressions():
    definition = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": [1, 2, 3],
                "MaxConcurrency": "{% $states.input.width %}",
                "ToleratedFailureCount": "{% 1 %}",
                "ToleratedFailurePercentage": 50,
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        }
    )
    step = advance(compile_machine(definition), None, Start({"width": 2}), VirtualEnv(T0, 1))
    request = next(effect for effect in step.effects if isinstance(effect, StartChildren))
    assert (request.max_concurrency, request.tolerated_failure_count) == (2, 1)
    assert request.tolerated_failure_percentage == 50


def test_map_without_items_needs_an_array_input():
    state = {
        "Type": "Map",
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
        "End": True,
    }
    result = one(state, {"a": 1})
    assert result.error == "States.QueryEvaluationError"
    assert (
        result.cause == PREFIX.format("S", 2) + 'Map state input must be an array but was: {"a":1}'
    )


def test_a_jsonpath_machine_may_hold_a_jsonata_state_and_the_reverse():
    definition = {
        "StartAt": "Path",
        "States": {
            "Path": {
                "Type": "Pass",
                "Parameters": {"n.$": "$.n"},
                "Assign": {"k.$": "$.n"},
                "Next": "Ata",
            },
            "Ata": {
                "QueryLanguage": "JSONata",
                "Type": "Pass",
                "Output": {"n": "{% $states.input.n + $k %}"},
                "Assign": {"k": "{% $k * 10 %}"},
                "Next": "Back",
            },
            "Back": {"Type": "Pass", "Parameters": {"n.$": "$.n", "k.$": "$k"}, "End": True},
        },
    }
    assert run(definition, {"n": 1}).output == {"n": 2, "k": 10}
    reverse = jsonata(
        {
            "Ata": {"Type": "Pass", "Output": {"n": "{% 5 %}"}, "Next": "Path"},
            "Path": {"QueryLanguage": "JSONPath", "Type": "Pass", "InputPath": "$.n", "End": True},
        }
    )
    assert run(reverse, {}).output == 5


def test_a_map_processor_inherits_jsonata_and_reads_outer_variables():
    definition = jsonata(
        {
            "Init": {"Type": "Pass", "Assign": {"factor": 3}, "Next": "M"},
            "M": {
                "Type": "Map",
                "Items": "{% $states.input %}",
                "ItemProcessor": {
                    "StartAt": "I",
                    "States": {
                        "I": {
                            "Type": "Pass",
                            "Output": "{% $states.input * $factor %}",
                            "End": True,
                        }
                    },
                },
                "End": True,
            },
        }
    )
    assert run(definition, [1, 2]).output == [3, 6]


def test_uuid_and_random_come_from_the_env():
    state = {"Type": "Pass", "Output": {"id": "{% $uuid() %}", "r": "{% $random() %}"}, "End": True}
    first = one(state, {}, env=VirtualEnv(T0, 7)).output
    assert first == one(state, {}, env=VirtualEnv(T0, 7)).output
    assert first != one(state, {}, env=VirtualEnv(T0, 8)).output
    assert 0 <= first["r"] < 1 and len(first["id"]) == 36


def test_a_failed_evaluation_is_an_event_naming_the_state_and_the_field():
    result = one({"Type": "Pass", "Output": {"x": "{% $nothing %}"}, "End": True}, {})
    failed = [event for event in result.history if event["type"] == "EvaluationFailed"]
    assert [event["evaluationFailedEventDetails"] for event in failed] == [
        {
            "error": "States.QueryEvaluationError",
            "cause": result.cause,
            "state": "S",
            "location": "Output/x",
        }
    ]


def test_a_map_whose_items_fail_records_the_evaluation_and_fails_before_starting():
    state = {
        "Type": "Map",
        "Items": "{% 'text' %}",
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
        "End": True,
    }
    types = [event["type"] for event in one(state, {}).history]
    assert types == [
        "ExecutionStarted",
        "MapStateEntered",
        "EvaluationFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


def test_a_callback_task_sees_its_token_in_states_context():
    definition = jsonata(
        {
            "S": {
                "Type": "Task",
                "Resource": "approve.waitForTaskToken",
                "Arguments": {"token": "{% $states.context.Task.Token %}"},
                "End": True,
            }
        }
    )
    step = advance(compile_machine(definition), None, Start({}), VirtualEnv(T0, 1))
    task = next(effect for effect in step.effects if isinstance(effect, RunTask))
    assert task.input == {"token": task.token}
