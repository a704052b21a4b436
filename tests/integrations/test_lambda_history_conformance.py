"""The conformance Task cases run as AWS recorded them: with each Resource a Lambda function
ARN again (the cases replace it by an activity name), sfn's history must be AWS's, event for
event: LambdaFunctionScheduled / Started / Succeeded / Failed / TimedOut with AWS's details."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))

from case_runner import load_cases, load_known_failures, run_case
from compare import compare
from compare_history import event_differences

KNOWN = load_known_failures()
# Recordings whose Lambda input holds values only known when they were recorded.
RECORDING_TIME_VALUES = {
    "scenarios/test_base_scenarios.TestBaseScenarios.test_lambda_invoke_with_retry_extended_input"
    "/get_execution_history": "the input holds the recorded execution's context object",
}


def _lambda_cases() -> list[dict]:
    return [
        case
        for case in load_cases()
        if case.get("activities")
        and case["id"] not in KNOWN
        and case["id"] not in RECORDING_TIME_VALUES
        and all(":lambda:" in spec["recorded_resource"] for spec in case["activities"].values())
    ]


def as_recorded(case: dict) -> dict:
    """The case with Lambda ARNs where it has activity names, in the definition, the expected
    results and the recorded history (where the ARN was a placeholder)."""
    specs = case["activities"]
    arns = {name: f"arn:aws:lambda:us-east-1:111111111111:function:{name}" for name in specs}
    definition, expected = json.dumps(case["definition"]), json.dumps(case["expected"])
    history = json.dumps(case["history"])
    for name, arn in arns.items():
        definition = definition.replace(json.dumps(name), json.dumps(arn))
        expected = expected.replace(f"'{name}'", f"'{arn}'")
        history = history.replace(specs[name]["recorded_resource"], arn)
    return {
        **case,
        "definition": json.loads(definition),
        "expected": json.loads(expected),
        "history": json.loads(history),
    }


@pytest.mark.parametrize("case", _lambda_cases(), ids=lambda case: case["id"])
def test_a_lambda_arn_resource_records_aws_lambda_events(case: dict) -> None:
    recorded = as_recorded(case)
    result = run_case(recorded)
    assert not compare(recorded, result)
    assert any(event["type"].startswith("LambdaFunction") for event in result.history)
    differences = event_differences(recorded, result.history)
    assert not differences, "\n".join(differences)


def test_there_are_lambda_cases_to_compare() -> None:
    assert len(_lambda_cases()) >= 16
