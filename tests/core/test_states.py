"""Each state type, run through the in-memory driver: what it outputs and how it fails."""

from __future__ import annotations

import pytest

from engine.testing import run


def one(state: dict, input=None, **kwargs):
    return run({"StartAt": "S", "States": {"S": state}}, input, **kwargs)


def test_pass_result_goes_to_result_path():
    result = one({"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.r", "End": True}, {"x": 0})
    assert result.output == {"x": 0, "r": {"a": 1}}


def test_pass_parameters_see_input_path_selection_and_context():
    state = {
        "Type": "Pass",
        "InputPath": "$.in",
        "End": True,
        "Parameters": {"v.$": "$.v", "state.$": "$$.State.Name", "lit": "$.not"},
    }
    assert one(state, {"in": {"v": 5}}).output == {"v": 5, "state": "S", "lit": "$.not"}


def test_result_path_null_keeps_the_input_and_output_path_null_gives_empty_object():
    assert one({"Type": "Pass", "Result": 1, "ResultPath": None, "End": True}, {"k": 1}).output == {
        "k": 1
    }
    assert one({"Type": "Pass", "OutputPath": None, "End": True}, {"k": 1}).output == {}


def test_choice_takes_the_first_matching_rule_else_default():
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Default": "D",
                "Choices": [
                    {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
                    {"Variable": "$.n", "NumericGreaterThan": 0, "Next": "Small"},
                ],
            },
            "Big": {"Type": "Pass", "Result": "big", "End": True},
            "Small": {"Type": "Pass", "Result": "small", "End": True},
            "D": {"Type": "Pass", "Result": "default", "End": True},
        },
    }
    assert [run(definition, {"n": n}).output for n in (11, 5, -1)] == ["big", "small", "default"]


def test_choice_without_match_or_default_fails_with_no_choice_matched():
    result = one(
        {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "S"}]},
        {"n": 2},
    )
    assert (result.status, result.error) == ("FAILED", "States.NoChoiceMatched")


def test_wait_seconds_path_must_reference_a_value():
    result = one({"Type": "Wait", "SecondsPath": "$.s", "End": True}, {})
    assert result.error == "States.Runtime"
    assert result.cause.endswith("The SecondsPath parameter does not reference an input value: $.s")
    assert result.cause.startswith(
        "An error occurred while executing the state 'S' (entered at the event id #2)."
    )


@pytest.mark.parametrize(
    "stamp", ["2016-12-05T21:29:29", "2016-12-05 21:29:29Z", "2016-13-05T21:29:29Z", "nope"]
)
def test_wait_timestamp_must_be_an_extended_offset_date_time(stamp):
    result = one({"Type": "Wait", "TimestampPath": "$.t", "End": True}, {"t": stamp})
    assert result.error == "States.Runtime"
    assert result.cause.endswith(f"date-time format string: $.t == {stamp}")


def test_wait_in_the_past_ends_at_once():
    result = one({"Type": "Wait", "Timestamp": "2000-01-01T00:00:00Z", "End": True}, {"a": 1})
    assert result.output == {"a": 1}


def test_succeed_applies_input_and_output_paths():
    assert (
        one({"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}, {"a": {"b": 2}}).output
        == 2
    )


def test_fail_reports_its_error_and_cause_or_their_paths():
    assert one({"Type": "Fail", "Error": "E", "Cause": "C"}).error == "E"
    result = one(
        {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('x{}', $.c)"},
        {"e": "Err", "c": 1},
    )
    assert (result.error, result.cause) == ("Err", "x1")
    missing = one({"Type": "Fail", "ErrorPath": "$.nope"}, {"a": 1})
    assert missing.cause.endswith(
        "The JSONPath '$.nope' specified for the field 'ErrorPath' could not be found in the "
        "input '{\"a\":1}'"
    )


def test_fail_without_error_fails_with_nulls():
    result = one({"Type": "Fail"})
    assert (result.status, result.error, result.cause) == ("FAILED", None, None)


def test_parallel_outputs_every_branch_in_order():
    state = {
        "Type": "Parallel",
        "End": True,
        "ResultSelector": {"first.$": "$[0]"},
        "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": True}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b", "End": True}}},
        ],
    }
    assert one(state, {}).output == {"first": "a"}


def test_map_item_selector_sees_the_item_index_and_value():
    state = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "End": True,
        "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value", "k.$": "$.k"},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    }
    assert one(state, {"items": ["x", "y"], "k": 7}).output == [
        {"i": 0, "v": "x", "k": 7},
        {"i": 1, "v": "y", "k": 7},
    ]


def test_map_older_iterator_and_parameters_still_work():
    state = {
        "Type": "Map",
        "End": True,
        "Parameters": {"v.$": "$$.Map.Item.Value"},
        "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    }
    assert one(state, [1, 2]).output == [{"v": 1}, {"v": 2}]


def test_map_over_a_non_array_is_a_runtime_error():
    state = {
        "Type": "Map",
        "End": True,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    }
    result = one(state, {"a": 1})
    assert result.error == "States.Runtime"
    assert result.cause.endswith('Map state input must be an array but was: {"a":1}')


def test_map_failure_within_tolerance_succeeds_and_past_it_fails():
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED"},
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Default": "F",
                "Choices": [{"Variable": "$", "NumericLessThan": 2, "Next": "OK"}],
            },
            "OK": {"Type": "Succeed"},
            "F": {"Type": "Fail", "Error": "Bad"},
        },
    }
    state = {"Type": "Map", "End": True, "ItemProcessor": processor, "ToleratedFailureCount": 1}
    assert one(state, [0, 1, 2]).status == "SUCCEEDED"
    failed = one(state, [0, 2, 3])
    assert (failed.status, failed.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ToleratedFailureCountPath", -1, "ToleratedFailureCount cannot be negative."),
        (
            "ToleratedFailurePercentagePath",
            101,
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        (
            "MaxConcurrencyPath",
            "x",
            'The MaxConcurrencyPath field refers to value "x" which is not a valid integer: $.v',
        ),
    ],
)
def test_map_path_fields_are_checked(field, value, message):
    state = {
        "Type": "Map",
        "End": True,
        "ItemsPath": "$.items",
        field: "$.v",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    }
    result = one(state, {"items": [1], "v": value})
    assert result.error == "States.Runtime" and result.cause.endswith(message)


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        ("ten", "The SecondsPath parameter cannot be parsed as a long value: $.s == ten"),
        (1.5, "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5"),
        (-1, "The SecondsPath parameter references a negative value: $.s == -1"),
    ],
)
def test_wait_seconds_path_must_be_a_non_negative_integer(seconds, message):
    result = one({"Type": "Wait", "SecondsPath": "$.s", "End": True}, {"s": seconds})
    assert result.error == "States.Runtime" and result.cause.endswith(message)
