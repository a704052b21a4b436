"""The comparison rules of README-cases.md, on hand-made cases and results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from compare import compare, is_iso_datetime, json_differences, normalise_json_input


def case(expected: dict[str, Any], normalize: list | None = None) -> dict[str, Any]:
    full = {"status": "SUCCEEDED", "output": None, "error": None, "cause": None, **expected}
    return {"id": "t/x", "expected": full, "normalize": normalize or []}


def succeeded(output: Any) -> dict[str, Any]:
    return {"status": "SUCCEEDED", "output": output, "error": None, "cause": None}


def failed(error: str | None, cause: str | None) -> dict[str, Any]:
    return {"status": "FAILED", "output": None, "error": error, "cause": cause}


@pytest.mark.parametrize(
    ("expected", "actual", "equal"),
    [
        ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}, True),
        ([1, 2], [2, 1], False),
        (1, 1.0, False),
        (1.0, 1.0, True),
        (1.5, 1.5, True),
        (True, 1, False),
        (0, False, False),
        (None, {}, False),
        ("1", 1, False),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({"a": 1, "b": 2}, {"a": 1}, False),
        ([[1.0]], [[1]], False),
    ],
)
def test_json_values(expected: Any, actual: Any, equal: bool) -> None:
    assert (json_differences(expected, actual) == []) is equal


def test_difference_names_the_path_and_kinds() -> None:
    assert json_differences({"a": [0, 1]}, {"a": [0, 1.0]}, "output") == [
        "output.a[1]: expected integer 1, got float 1.0"
    ]


def test_status_mismatch_shows_the_error() -> None:
    differences = compare(case({"output": {}}), failed("States.Runtime", "boom"))
    assert differences == [
        "status: expected SUCCEEDED, got FAILED (error='States.Runtime', cause=\"boom\")"
    ]


def test_result_may_be_an_object_with_attributes() -> None:
    @dataclass
    class Result:
        status: str
        output: Any
        error: str | None = None
        cause: str | None = None

    assert compare(case({"output": {"a": 1}}), Result("SUCCEEDED", {"a": 1})) == []
    assert compare(case({"output": {"a": 1}}), Result("SUCCEEDED", {"a": 2})) != []


def test_timestamp_keys_are_rewritten_at_any_depth() -> None:
    expected = {"Timestamp": "timestamp", "items": [{"myTimestampX": "timestamp"}], "n": 1}
    actual = {"Timestamp": 1700000000, "items": [{"myTimestampX": {"deep": 1}}], "n": 1}
    assert compare(case({"output": expected}), succeeded(actual)) == []


def test_timestamp_key_holding_a_date_time_becomes_date() -> None:
    expected = {"TimestampValue": "date"}
    assert (
        compare(case({"output": expected}), succeeded({"TimestampValue": "2016-12-05T21:29:29Z"}))
        == []
    )
    assert compare(case({"output": expected}), succeeded({"TimestampValue": 5})) != []


def test_timestamp_keys_are_not_rewritten_outside_an_object() -> None:
    expected = [{"timestamp": "timestamp"}]
    assert compare(case({"output": expected}), succeeded([{"timestamp": 3}])) != []


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("2016-03-14T01:59:00Z", True),
        ("2024-01-01T00:00:00.123+01:00", True),
        ("2001-02-03T04:05:06.000000Z", True),
        ("2016-12-05T21:29:29", False),
        ("2016-12-05T25:29:29Z", False),
        ("2016-13-05T21:29:29Z", False),
        ("2016-12-05 21:29:29Z", False),
    ],
)
def test_iso_date_times(text: str, valid: bool) -> None:
    assert is_iso_datetime(text) is valid


def test_date_times_inside_strings_become_date_only_when_valid() -> None:
    expected = {"a": "at date and date", "b": "2016-12-05T25:29:29Z", "c": "2016-12-05T21:29:29"}
    actual = {
        "a": "at 2016-03-14T01:59:00Z and 2024-01-01T00:00:00.5-07:00",
        "b": "2016-12-05T25:29:29Z",
        "c": "2016-12-05T21:29:29",
    }
    assert compare(case({"output": expected}), succeeded(actual)) == []


def test_case_normalize_rules_apply_before_dates() -> None:
    rules = [{"regex": "2001-02-03T04:05:06Z", "replacement": "<timestamp>"}]
    expected = {"start_at": "<timestamp>", "now": "date"}
    actual = {"start_at": "2001-02-03T04:05:06Z", "now": "2030-01-01T00:00:00Z"}
    assert compare(case({"output": expected}, rules), succeeded(actual)) == []
    assert compare(case({"output": expected}), succeeded(actual)) != []


def test_quoted_json_in_a_cause_is_json_input() -> None:
    expected = {
        "status": "FAILED",
        "error": "States.Runtime",
        "cause": "could not be found in the input '<json-input:1>'",
    }
    cause = """could not be found in the input '{"a": "x}' y", "b": [1]}'"""
    assert compare(case(expected), failed("States.Runtime", cause)) == []


@pytest.mark.parametrize(
    ("text", "rewritten"),
    [
        ("in '{\"a\": 1}' and '{\"b\": 2}'", "in '<json-input>' and '<json-input>'"),
        ("in '{not json}'", "in '{not json}'"),
        ('in {"a": 1}', 'in {"a": 1}'),
        ("'{}'", "'<json-input>'"),
    ],
)
def test_normalise_json_input(text: str, rewritten: str) -> None:
    assert normalise_json_input(text) == rewritten


def test_failed_error_and_cause_must_be_equal_and_null_only_equals_null() -> None:
    expected = case({"status": "FAILED", "error": "E", "cause": None})
    assert compare(expected, failed("E", None)) == []
    assert compare(expected, failed("E", "")) == ['cause: expected null, got ""']
    assert compare(expected, failed(None, None)) == ["error: expected 'E', got None"]


LAMBDA = {
    "errorMessage": "Some exception was raised.",
    "errorType": "Exception",
    "requestId": "<uuid:1>",
    "stackTrace": ['  File "/var/task/handler.py", line 2, in handler\n'],
}


def engine_cause(message: str, kind: str = "Exception") -> str:
    return json.dumps({"errorMessage": message, "errorType": kind, "requestId": "r", "x": []})


def test_lambda_cause_compares_message_and_type_only() -> None:
    expected = case({"status": "FAILED", "error": "Exception", "cause": LAMBDA})
    assert compare(expected, failed("Exception", engine_cause(LAMBDA["errorMessage"]))) == []
    assert compare(expected, failed("Exception", engine_cause("other"))) == [
        "cause.errorMessage: expected 'Some exception was raised.', got 'other'"
    ]
    assert compare(expected, failed("Exception", "not json")) != []


def test_lambda_cause_held_as_a_string_in_the_output() -> None:
    expected = case({"output": {"Error": "Exception", "Cause": json.dumps(LAMBDA)}})
    good = {"Error": "Exception", "Cause": engine_cause(LAMBDA["errorMessage"])}
    bad = {"Error": "Exception", "Cause": engine_cause(LAMBDA["errorMessage"], "ValueError")}
    assert compare(expected, succeeded(good)) == []
    assert compare(expected, succeeded(bad)) == [
        "output.Cause.errorType: expected 'Exception', got 'ValueError'"
    ]
    as_object = {"Error": "Exception", "Cause": json.loads(good["Cause"])}
    assert compare(expected, succeeded(as_object)) != []


def test_timestamp_keys_in_a_json_cause() -> None:
    expected = case({"status": "FAILED", "error": "E", "cause": {"at": {"timestamp": "timestamp"}}})
    assert compare(expected, failed("E", json.dumps({"at": {"timestamp": 12}}))) == []
