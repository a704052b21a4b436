"""State machine operations on an Engine (fakeredis): life cycle, validation, tags."""

from __future__ import annotations

import json

from support.aws_api import PASS, ROLE

WAIT = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}})
INVALID = json.dumps({"StartAt": "X", "States": {"P": {"Type": "Pass", "Next": "Q"}}})


def test_life_cycle(api, fails, machine) -> None:
    again = api("CreateStateMachine", name="m", definition=PASS, roleArn=ROLE)
    assert again["stateMachineArn"] == machine  # the same machine: idempotent
    taken = fails("CreateStateMachine", name="m", definition=WAIT, roleArn=ROLE)
    assert taken.type == "StateMachineAlreadyExists"
    described = api("DescribeStateMachine", stateMachineArn=machine)
    assert (described["name"], described["definition"], described["roleArn"]) == ("m", PASS, ROLE)
    assert (described["status"], described["type"]) == ("ACTIVE", "STANDARD")
    execution = api("StartExecution", stateMachineArn=machine, name="before")["executionArn"]
    updated = api("UpdateStateMachine", stateMachineArn=machine, definition=WAIT)
    assert updated["revisionId"] != described["revisionId"]
    assert api("DescribeStateMachine", stateMachineArn=machine)["definition"] == WAIT
    # The execution keeps the definition it started with.
    for_execution = api("DescribeStateMachineForExecution", executionArn=execution)
    assert json.loads(for_execution["definition"]) == json.loads(PASS)
    later = api("StartExecution", stateMachineArn=machine, name="after")["executionArn"]
    assert api("DescribeExecution", executionArn=later)["status"] == "RUNNING"
    api("DeleteStateMachine", stateMachineArn=machine)
    assert fails("DescribeStateMachine", stateMachineArn=machine).type == (
        "StateMachineDoesNotExist"
    )
    assert api("DescribeExecution", executionArn=execution)["status"] == "SUCCEEDED"


def test_list_state_machines_pages(api) -> None:
    for index in range(3):
        api("CreateStateMachine", name=f"m{index}", definition=PASS, roleArn=ROLE)
    first = api("ListStateMachines", maxResults=2)
    rest = api("ListStateMachines", maxResults=2, nextToken=first["nextToken"])
    names = [item["name"] for item in first["stateMachines"] + rest["stateMachines"]]
    assert names == ["m0", "m1", "m2"] and "nextToken" not in rest


def test_invalid_definitions_are_diagnosed(api, fails) -> None:
    error = fails("CreateStateMachine", name="bad", definition=INVALID, roleArn=ROLE)
    assert error.type == "InvalidDefinition"
    assert error.message.startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED")
    result = api("ValidateStateMachineDefinition", definition=INVALID)
    assert result["result"] == "FAIL" and result["truncated"] is False
    assert {d["location"] for d in result["diagnostics"]} >= {"/StartAt"}
    assert api("ValidateStateMachineDefinition", definition=PASS) == {
        "result": "OK", "diagnostics": [], "truncated": False,
    }  # fmt: skip
    assert fails("CreateStateMachine", name="e", definition=PASS, roleArn=ROLE,
                 type="EXPRESS").type == "StateMachineTypeNotSupported"  # fmt: skip
    assert fails("CreateStateMachine", name="a/b", definition=PASS, roleArn=ROLE).type == (
        "InvalidName"
    )


def test_tags(api, fails, machine) -> None:
    api("TagResource", resourceArn=machine, tags=[{"key": "team", "value": "a"}])
    api("TagResource", resourceArn=machine, tags=[{"key": "env", "value": "dev"}])
    api("UntagResource", resourceArn=machine, tagKeys=["team"])
    assert api("ListTagsForResource", resourceArn=machine) == {
        "tags": [{"key": "env", "value": "dev"}]
    }
    gone = machine.replace(":m", ":gone")
    assert fails("ListTagsForResource", resourceArn=gone).type == "ResourceNotFound"


def test_arns_of_any_region_and_account_are_read(api, machine) -> None:
    local = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
    assert api("DescribeStateMachine", stateMachineArn=local)["stateMachineArn"] == machine
