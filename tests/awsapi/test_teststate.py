"""TestState: one state run in memory with a given input and mocked result."""

from __future__ import annotations

import json

TASK = {
    "Type": "Task",
    "Resource": "arn:aws:lambda:us-east-1:111111111111:function:charge",
    "ResultPath": "$.charged",
    "Next": "Ship",
    "Catch": [{"ErrorEquals": ["Declined"], "Next": "Refuse"}],
}


def test_a_pass_state(api) -> None:
    state = {"Type": "Pass", "Parameters": {"v.$": "$.x"}, "Next": "After"}
    answer = api("TestState", definition=json.dumps(state), input='{"x": 1}', roleArn="r")
    assert answer["status"] == "SUCCEEDED"
    assert (json.loads(answer["output"]), answer["nextState"]) == ({"v": 1}, "After")
    assert json.loads(answer["inspectionData"]["input"]) == {"x": 1}


def test_a_task_with_a_mocked_result(api) -> None:
    answer = api("TestState", definition=json.dumps(TASK), input='{"id": 7}',
                 mock={"result": '{"paid": true}'})  # fmt: skip
    assert answer["status"] == "SUCCEEDED" and answer["nextState"] == "Ship"
    assert json.loads(answer["output"]) == {"id": 7, "charged": {"paid": True}}
    assert json.loads(answer["inspectionData"]["result"]) == {"paid": True}


def test_a_caught_a_retriable_and_a_failed_error(api) -> None:
    declined = {"errorOutput": {"error": "Declined", "cause": "card"}}
    caught = api("TestState", definition=json.dumps(TASK), mock=declined)
    assert (caught["status"], caught["nextState"], caught["error"]) == (
        "CAUGHT_ERROR", "Refuse", "Declined",
    )  # fmt: skip
    assert json.loads(caught["output"]) == {"Error": "Declined", "Cause": "card"}
    retried = {**TASK, "Retry": [{"ErrorEquals": ["States.ALL"]}]}
    answer = api("TestState", definition=json.dumps(retried), mock=declined)
    assert (answer["status"], answer["error"], answer["cause"]) == ("RETRIABLE", "Declined", "card")
    other = {"errorOutput": {"error": "Boom", "cause": "x"}}
    failed = api("TestState", definition=json.dumps(TASK), mock=other)
    assert (failed["status"], failed["error"]) == ("FAILED", "Boom")
    assert "nextState" not in failed


def test_a_choice_names_its_next_state_and_a_state_of_a_machine(api) -> None:
    machine = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1,
                                                  "Next": "Big"}], "Default": "Small"},
            "Big": {"Type": "Succeed"},
            "Small": {"Type": "Succeed"},
        },
    }  # fmt: skip
    answer = api("TestState", definition=json.dumps(machine), stateName="C", input='{"n": 5}')
    assert (answer["status"], answer["nextState"]) == ("SUCCEEDED", "Big")


def test_bad_requests(fails) -> None:
    assert fails("TestState", definition="{").type == "InvalidDefinition"
    state = json.dumps({"Type": "Pass", "End": True})
    assert fails("TestState", definition=state, input="{").type == "InvalidExecutionInput"
    assert fails("TestState", definition=state, inspectionLevel="ALL").type == (
        "ValidationException"
    )
