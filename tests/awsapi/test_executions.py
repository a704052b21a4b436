"""Execution operations on an Engine (fakeredis): shapes, idempotency, pagination, errors."""

from __future__ import annotations

import json


def test_start_is_idempotent_while_the_execution_runs(api, fails) -> None:
    waiting = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60,
                                                             "End": True}}})  # fmt: skip
    machine = api("CreateStateMachine", name="w", definition=waiting, roleArn="r")
    arn = machine["stateMachineArn"]
    first = api("StartExecution", stateMachineArn=arn, name="e1", input='{"a":1}')
    again = api("StartExecution", stateMachineArn=arn, name="e1", input='{"a":1}')
    assert first == again
    assert first["executionArn"].endswith(":execution:w:e1")
    error = fails("StartExecution", stateMachineArn=arn, name="e1", input='{"a":2}')
    assert error.type == "ExecutionAlreadyExists"
    assert error.message == f"Execution Already Exists: '{first['executionArn']}'"
    # Closed, the name is taken whatever the input (AWS's rule).
    api("StopExecution", executionArn=first["executionArn"])
    closed = fails("StartExecution", stateMachineArn=arn, name="e1", input='{"a":1}')
    assert closed.type == "ExecutionAlreadyExists"


def test_describe_has_aws_s_fields_and_epoch_dates(api, machine) -> None:
    arn = api("StartExecution", stateMachineArn=machine, name="e1")["executionArn"]
    described = api("DescribeExecution", executionArn=arn)
    assert described["status"] == "SUCCEEDED"
    assert (described["input"], described["output"]) == ("{}", "{}")
    assert described["inputDetails"] == described["outputDetails"] == {"included": True}
    assert isinstance(described["startDate"], float)
    assert described["stopDate"] >= described["startDate"]
    assert described["redriveStatus"] == "NOT_REDRIVABLE"


def test_list_pages_with_opaque_tokens(api, fails, machine) -> None:
    for index in range(5):
        api("StartExecution", stateMachineArn=machine, name=f"e{index}")
    names, token = [], None
    while True:
        page = api("ListExecutions", stateMachineArn=machine, maxResults=2,
                   **({"nextToken": token} if token else {}))  # fmt: skip
        assert len(page["executions"]) <= 2
        names += [item["name"] for item in page["executions"]]
        token = page.get("nextToken")
        if token is None:
            break
    assert sorted(names) == [f"e{index}" for index in range(5)]
    assert len(set(names)) == 5
    error = fails("ListExecutions", stateMachineArn=machine, nextToken="garbage")
    assert error.type == "InvalidToken"
    running = api("ListExecutions", stateMachineArn=machine, statusFilter="RUNNING")
    assert running["executions"] == []


def test_history_pages_forward_and_backward_without_data(api, machine) -> None:
    arn = api("StartExecution", stateMachineArn=machine, name="e1", input='{"x":1}')["executionArn"]
    whole = api("GetExecutionHistory", executionArn=arn)["events"]
    assert [(e["id"], e["previousEventId"]) for e in whole] == [(1, 0), (2, 0), (3, 2), (4, 3)]
    first = api("GetExecutionHistory", executionArn=arn, maxResults=3, reverseOrder=True)
    rest = api("GetExecutionHistory", executionArn=arn, maxResults=3, reverseOrder=True,
               nextToken=first["nextToken"])  # fmt: skip
    assert [e["id"] for e in first["events"] + rest["events"]] == [4, 3, 2, 1]
    assert "nextToken" not in rest
    bare = api("GetExecutionHistory", executionArn=arn, includeExecutionData=False)["events"]
    assert "input" not in bare[0]["executionStartedEventDetails"]
    assert json.loads(whole[0]["executionStartedEventDetails"]["input"]) == {"x": 1}


def test_errors_have_aws_s_types(fails, machine) -> None:
    missing = f"{machine.replace(':stateMachine:', ':execution:')}:nope"
    assert fails("DescribeExecution", executionArn=missing).type == "ExecutionDoesNotExist"
    assert fails("DescribeExecution", executionArn="arn:nope").type == "InvalidArn"
    assert fails("StartExecution", stateMachineArn=machine, input="{").type == (
        "InvalidExecutionInput"
    )
    assert fails("StartExecution", stateMachineArn=machine, name="a b").type == "InvalidName"
    gone = machine.replace(":m", ":gone")
    assert fails("StartExecution", stateMachineArn=gone).type == "StateMachineDoesNotExist"
    assert fails("StartExecution", stateMachineArn=machine, traceHeader="x").type == (
        "ValidationException"
    )
    assert fails("ListExecutions", stateMachineArn=machine, maxResults=1001).type == (
        "ValidationException"
    )


def test_stop_and_redrive(api, fails, engine) -> None:
    waiting = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60,
                                                             "End": True}}})  # fmt: skip
    arn = api("CreateStateMachine", name="w", definition=waiting, roleArn="r")["stateMachineArn"]
    execution = api("StartExecution", stateMachineArn=arn, name="e1")["executionArn"]
    assert api("DescribeExecution", executionArn=execution)["status"] == "RUNNING"
    stopped = api("StopExecution", executionArn=execution, error="Why", cause="Because")
    described = api("DescribeExecution", executionArn=execution)
    assert (described["status"], described["error"], described["cause"]) == (
        "ABORTED", "Why", "Because",
    )  # fmt: skip
    assert stopped["stopDate"] == described["stopDate"]
    redriven = api("RedriveExecution", executionArn=execution)
    assert api("DescribeExecution", executionArn=execution)["redriveCount"] == 1
    assert isinstance(redriven["redriveDate"], float)
    done = api("StartExecution", stateMachineArn=arn.replace(":w", ":w"), name="e2")
    api("StopExecution", executionArn=done["executionArn"])
    api("RedriveExecution", executionArn=done["executionArn"])
    api("StopExecution", executionArn=done["executionArn"])


def test_send_task_errors_never_quote_the_token(fails) -> None:
    error = fails("SendTaskSuccess", taskToken="0" * 32, output="{}")
    assert error.type == "TaskTimedOut" and "0" * 32 not in error.message
    assert fails("SendTaskFailure", taskToken="not-a-token").type == "InvalidToken"
    assert fails("SendTaskHeartbeat", taskToken="0" * 32).type == "TaskTimedOut"
    assert fails("SendTaskSuccess", taskToken="0" * 32, output="{").type == "InvalidOutput"
