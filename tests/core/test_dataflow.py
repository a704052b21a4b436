"""Data flow around results: ResultPath, Catch's error output, payload limits."""

from __future__ import annotations

import json

from engine.core.dataflow import apply_result_path, payload_size
from engine.language.reference import compile_reference_path
from engine.testing import run


def test_result_path_merges_replaces_or_discards():
    raw = {"a": 1}
    assert apply_result_path(compile_reference_path("$.b"), False, raw, 2) == {"a": 1, "b": 2}
    assert apply_result_path(compile_reference_path("$"), False, raw, 2) == 2
    assert apply_result_path(None, True, raw, 2) is raw


def test_result_path_into_a_non_object_fails_with_result_path_match_failure():
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "End": True}},
    }
    result = run(definition, {"a": "text"})
    assert (result.status, result.error) == ("FAILED", "States.ResultPathMatchFailure")


def test_catch_puts_error_and_cause_at_its_result_path():
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "boom",
                "End": True,
                "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.err", "Next": "Caught"}],
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }

    def boom(_):
        raise ValueError("bad value")

    output = run(definition, {"keep": 1}, {"boom": boom}).output
    assert output["keep"] == 1 and output["err"]["Error"] == "ValueError"
    cause = json.loads(output["err"]["Cause"])
    assert (cause["errorMessage"], cause["errorType"]) == ("bad value", "ValueError")


def test_states_runtime_is_never_caught():
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "id",
                "OutputPath": "$.missing",
                "Next": "Ok",
                "Catch": [
                    {"ErrorEquals": ["States.Runtime"], "Next": "Ok"},
                    {"ErrorEquals": ["States.ALL"], "Next": "Ok"},
                ],
                "Retry": [{"ErrorEquals": ["States.ALL"]}],
            },
            "Ok": {"Type": "Succeed"},
        },
    }
    result = run(definition, {}, {"id": lambda value: value})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_an_oversized_task_result_is_a_catchable_data_limit_failure():
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "big",
                "End": True,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    output = run(definition, {}, {"big": lambda _: "a" * (257 * 1024)}).output
    assert output == {
        "Error": "States.DataLimitExceeded",
        "Cause": "The state/task 'big' returned a result with a size exceeding the maximum "
        "number of bytes service limit.",
    }


def test_payload_size_counts_utf8_bytes_of_compact_json():
    assert payload_size({"a": "é"}) == len('{"a":"é"}'.encode())


def test_an_oversized_state_output_fails_the_execution_whatever_catch_says():
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "Result": "a" * (257 * 1024), "End": True},
        },
    }
    result = run(definition, {})
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")
    caught = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Next": "Done",
                "ResultPath": "$.big",
                "Branches": [
                    {
                        "StartAt": "B",
                        "States": {
                            "B": {"Type": "Pass", "Result": "a" * (257 * 1024), "End": True}
                        },
                    }
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
            },
            "Done": {"Type": "Succeed"},
        },
    }
    assert run(caught, {}).error == "States.DataLimitExceeded"
