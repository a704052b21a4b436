"""Integrations through the durable runtime: a Lambda Task is routed to the queue of the
activity that stands in for the function, run by a worker, and answered in AWS's shape; an AWS
resource nothing runs is refused before the execution starts."""

from __future__ import annotations

import json

import pytest
from support.inspection import queued_jobs

from engine.activities import Activity, Registry, default_registry
from engine.errors import UnhandledResource
from engine.integrations import ChildRequest
from engine.runtime import config, dispatch
from engine.runtime.engine import Engine
from engine.runtime.nested import DurableChildren
from engine.runtime.runtime import Runtime

from .conftest import drain

FUNCTION = "integrations_durable_greet"


def greet(event: dict) -> dict:
    return {"hello": event["name"]}


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """`greet` stands in for the Lambda function, for one test only: an activity left in the
    default registry would make other tests' starts check their resources."""
    monkeypatch.setitem(default_registry._activities, FUNCTION, Activity(FUNCTION, greet))


def test_lambda_invoke_runs_durably_on_the_functions_queue(engine: Engine) -> None:
    machine = {
        "StartAt": "Direct",
        "States": {
            "Direct": {
                "Type": "Task",
                "Resource": f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}",
                "ResultPath": "$.direct",
                "Next": "Invoke",
            },
            "Invoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": f"{FUNCTION}:live", "Payload.$": "$"},
                "ResultSelector": {"greeting.$": "$.Payload.hello", "status.$": "$.StatusCode"},
                "End": True,
            },
        },
    }
    execution = engine.start_execution(machine, {"name": "Ada"}, check_resources=True)
    assert len(queued_jobs(engine.redis, dispatch.activity_queue(FUNCTION))) == 1
    described = drain(engine, execution)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"greeting": "Ada", "status": 200}
    types = [event["type"] for event in engine.history(execution)]
    assert "LambdaFunctionSucceeded" in types and "TaskSucceeded" in types


SEND = {
    "StartAt": "Send",
    "States": {
        "Send": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "q", "MessageBody": "m"},
            "End": True,
        }
    },
}


def test_an_aws_resource_nothing_runs_is_refused_at_start(engine: Engine) -> None:
    with pytest.raises(UnhandledResource, match="@integration"):
        engine.start_execution(SEND, {}, check_resources=True)
    assert engine.list_executions() == []


def test_handlers_are_the_ones_of_the_registry_the_process_holds(fake) -> None:
    mine = Registry()
    mine.integration("sqs:sendMessage")(lambda parameters: {"MessageId": parameters["MessageBody"]})
    engine = Engine(client=fake, activities=mine)
    execution = engine.start_execution(SEND, {})  # checked: the engine has a handler
    assert json.loads(drain(engine, execution)["output"]) == {"MessageId": "m"}
    # The default registry has none: an engine holding it refuses what `mine` runs.
    with pytest.raises(UnhandledResource):
        Engine(client=fake, activities=default_registry).start_execution(
            SEND, {}, check_resources=True
        )


CHILD = {
    "StartAt": "Greet",
    "States": {"Greet": {"Type": "Task", "Resource": FUNCTION, "End": True}},
}
FAILING = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Child.Broke", "Cause": "no"}}}


def nested(pattern: str, machine: str = "child", **state) -> dict:
    arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:{machine}"
    return {
        "StartAt": "Nested",
        "States": {
            "Nested": {
                "Type": "Task",
                "Resource": f"arn:aws:states:::states:startExecution{pattern}",
                "Parameters": {"StateMachineArn": arn, "Input": {"name.$": "$.name"}},
                **state,
                "End": True,
            }
        },
    }


@pytest.fixture
def workflows(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "workflows"
    folder.mkdir()
    (folder / "child.asl.json").write_text(json.dumps(CHILD))
    (folder / "failing.json").write_text(json.dumps(FAILING))
    monkeypatch.setenv("SFN_WORKFLOWS", str(folder))
    config.forget()  # settings are read once per process


def test_sync_2_runs_a_durable_child_and_returns_its_output_as_json(engine, workflows) -> None:
    execution = engine.start_execution(nested(".sync:2"), {"name": "Ada"})
    described = drain(engine, execution)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["Output"] == {"hello": "Ada"} and output["Input"] == {"name": "Ada"}
    assert output["Status"] == "SUCCEEDED"
    child = output["ExecutionArn"].rsplit(":", 2)[-2:]
    assert child[0] == "child"
    listed = engine.describe(output["ExecutionArn"])
    assert listed["status"] == "SUCCEEDED" and listed["name"] == output["Name"]


def test_sync_returns_json_text_and_a_failed_child_is_task_failed(engine, workflows) -> None:
    execution = engine.start_execution(nested(".sync"), {"name": "Bo"})
    output = json.loads(drain(engine, execution)["output"])
    assert output["Output"] == '{"hello":"Bo"}' and output["Input"] == '{"name":"Bo"}'
    failed = drain(engine, engine.start_execution(nested(".sync", "failing"), {"name": "x"}))
    assert failed["status"] == "FAILED" and failed["error"] == "States.TaskFailed"
    cause = json.loads(failed["cause"])
    assert (cause["Status"], cause["Error"], cause["Cause"]) == ("FAILED", "Child.Broke", "no")


def test_request_response_returns_the_arn_and_start_date(engine, workflows) -> None:
    output = json.loads(drain(engine, engine.start_execution(nested(""), {"name": "Cy"}))["output"])
    assert set(output) == {"ExecutionArn", "StartDate"}
    assert drain(engine, output["ExecutionArn"])["status"] == "SUCCEEDED"


def test_an_unknown_state_machine_fails_the_task(engine, workflows) -> None:
    failed = drain(engine, engine.start_execution(nested(".sync", "nowhere"), {"name": "x"}))
    assert failed["error"] == "StepFunctions.StateMachineDoesNotExistException"


def test_starting_the_same_child_twice_starts_it_once(engine, workflows) -> None:
    request = ChildRequest("child", {"name": "Di"}, "attempt-key-1", "0" * 32, ".sync")
    runtime = Runtime(engine.redis)  # with the settings the workflows fixture set
    first = DurableChildren(runtime).start(request)
    again = DurableChildren(runtime).start(request)
    assert first.execution_arn == again.execution_arn
    assert len(engine.list_executions()) == 1
