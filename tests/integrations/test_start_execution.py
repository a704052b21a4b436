"""states:startExecution in memory: the child is the file of that name in the workflows folder,
run to its end with the same activities.

AWS Step Functions developer guide, "Start a new AWS Step Functions state machine execution":
StartExecution returns ExecutionArn and StartDate; `.sync` returns DescribeExecution's fields
with Input and Output as JSON text, `.sync:2` with them as JSON; a child that does not succeed
fails the Task with States.TaskFailed and the description as the cause.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import testing
from engine.errors import DefinitionError
from engine.runtime import config

CHILD = {
    "StartAt": "Double",
    "States": {
        "Double": {
            "Type": "Pass",
            "Parameters": {"twice.$": "States.MathAdd($.n, $.n)"},
            "End": True,
        }
    },
}
FAILING = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Child.Broke", "Cause": "no"}}}


@pytest.fixture(autouse=True)
def workflows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "workflows"
    folder.mkdir()
    (folder / "child.asl.json").write_text(json.dumps(CHILD))
    (folder / "failing.asl.yaml").write_text(json.dumps(FAILING))
    monkeypatch.setenv("SFN_WORKFLOWS", str(folder))
    config.forget()  # settings are read once per process
    return folder


def parent(pattern: str, machine: str = "child") -> dict:
    arn = f"arn:aws:states:eu-west-1:123456789012:stateMachine:{machine}"
    return {
        "StartAt": "Nested",
        "States": {
            "Nested": {
                "Type": "Task",
                "Resource": f"arn:aws:states:::states:startExecution{pattern}",
                "Parameters": {"StateMachineArn": arn, "Input": {"n.$": "$.n"}},
                "End": True,
            }
        },
    }


def test_sync_2_gives_the_childs_output_as_json() -> None:
    output = testing.run(parent(".sync:2"), {"n": 21}).output
    assert output["Output"] == {"twice": 42} and output["Input"] == {"n": 21}
    assert output["Status"] == "SUCCEEDED" and output["OutputDetails"] == {"Included": True}
    assert output["StateMachineArn"].endswith(":stateMachine:child")


def test_sync_gives_json_text() -> None:
    output = testing.run(parent(".sync"), {"n": 2}).output
    assert (output["Output"], output["Input"]) == ('{"twice":4}', '{"n":2}')


def test_request_response_gives_the_arn_and_start_date() -> None:
    output = testing.run(parent(""), {"n": 2}).output
    assert set(output) == {"ExecutionArn", "StartDate"}
    assert ":execution:child:" in output["ExecutionArn"]


def test_a_failed_child_is_states_task_failed_with_its_description() -> None:
    result = testing.run(parent(".sync", "failing"), {"n": 1})
    assert result.error == "States.TaskFailed"
    cause = json.loads(result.cause)
    assert (cause["Status"], cause["Error"], cause["Cause"]) == ("FAILED", "Child.Broke", "no")


def test_an_unknown_state_machine_says_where_it_looked(workflows: Path) -> None:
    result = testing.run(parent(".sync", "nowhere"), {"n": 1})
    assert result.error == "StepFunctions.StateMachineDoesNotExistException"
    assert "'nowhere'" in result.cause and str(workflows) in result.cause


def test_a_field_start_execution_does_not_take_is_an_invalid_definition() -> None:
    # StartExecution takes StateMachineArn, Input, Name and TraceHeader (API reference);
    # AWS refuses to create a machine whose Task passes another.
    machine = parent(".sync:2")
    machine["States"]["Nested"]["Parameters"]["Inputt"] = {"n": 1}
    with pytest.raises(DefinitionError, match="Inputt is not a field of states:startExecution"):
        testing.run(machine, {"n": 2})
    del machine["States"]["Nested"]["Parameters"]["Inputt"]
    machine["States"]["Nested"]["Parameters"]["TraceHeader"] = "Root=1-abc"
    assert testing.run(machine, {"n": 2}).output["Output"] == {"twice": 4}
