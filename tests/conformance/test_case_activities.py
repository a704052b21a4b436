"""Activities built from a case's description behave as README-cases.md describes."""

from __future__ import annotations

import re
import threading

import pytest
from case_activities import build_activities
from case_runner import as_recorded, execution_context, load_cases, load_known_failures


def test_return_input_and_return_give_fresh_copies() -> None:
    built = build_activities(
        {
            "echo": {"behaviour": "return_input"},
            "fixed": {"behaviour": "return", "value": {"a": [1]}},
        }
    )
    task_input = {"x": [1]}
    echoed = built["echo"](task_input)
    assert echoed == task_input and echoed is not task_input
    first = built["fixed"](None)
    first["a"].append(2)
    assert built["fixed"]("ignored") == {"a": [1]}


def test_return_repeated() -> None:
    built = build_activities({"big": {"behaviour": "return_repeated", "text": "ab", "times": 3}})
    assert built["big"]({}) == "ababab"


def test_raise_uses_an_exception_class_named_as_recorded() -> None:
    spec = {"behaviour": "raise", "error_type": "CustomException", "message": ""}
    built = build_activities({"boom": spec})
    with pytest.raises(Exception) as raised:
        built["boom"]({})
    assert type(raised.value).__name__ == "CustomException"
    assert str(raised.value) == ""


def test_sleep_ends_when_the_harness_cancels() -> None:
    cancelled = threading.Event()
    cancelled.set()
    built = build_activities(
        {"slow": {"behaviour": "return_input", "sleep_seconds": 3600}}, cancelled
    )
    assert built["slow"]({"a": 1}) == {"a": 1}


def test_known_failures_format(tmp_path) -> None:
    listed = tmp_path / "known.txt"
    listed.write_text("# comment\n\na/b[c]/d  reason with  spaces\nx/y\n")
    assert load_known_failures(listed) == {"a/b[c]/d": "reason with  spaces", "x/y": ""}


def test_context_looks_like_a_real_execution() -> None:
    case = load_cases("context_object")[0]
    context = execution_context(case)
    execution, machine = context["Execution"], context["StateMachine"]
    assert execution["Input"] == case["input"]
    assert execution["Id"].endswith(f":{machine['Name']}:{execution['Name']}")
    assert machine["Id"].startswith("arn:aws:states:") and execution["StartTime"].endswith("Z")


def test_a_task_case_as_recorded_calls_the_lambda_arns() -> None:

    activities = {
        "echo": {"behaviour": "return_input", "recorded_resource": "arn:<partition>:x:<one>"},
        "echo_2": {"behaviour": "return_input", "recorded_resource": "arn:<partition>:x:<two>"},
    }
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": "echo", "Next": "B"},
            "B": {"Type": "Task", "Resource": "echo_2", "End": True},
        },
    }
    case = {"definition": definition, "activities": activities, "normalize": []}
    recorded = as_recorded(case)
    arn = "arn:aws:lambda:us-east-1:111111111111:function:echo"
    assert recorded["definition"]["States"]["A"]["Resource"] == arn
    assert recorded["activities"] == activities
    rules = recorded["normalize"]
    text = f"{arn}_2 then {arn}"
    for rule in rules:
        text = re.sub(rule["regex"], rule["replacement"], text)
    assert text == "arn:<partition>:x:<two> then arn:<partition>:x:<one>"
    assert as_recorded({"definition": definition}) == {"definition": definition}
