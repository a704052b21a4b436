"""Integrations through the durable runtime: a Lambda Task is routed to the queue of the
activity that stands in for the function, run by a worker, and answered in AWS's shape; an AWS
resource nothing runs is refused before the execution starts."""

from __future__ import annotations

import json

import pytest

from engine.activities import activity
from engine.errors import UnhandledResource
from engine.runtime import dispatch
from engine.runtime.engine import Engine

from .conftest import drain

FUNCTION = "integrations_durable_greet"


@activity(FUNCTION)
def greet(event: dict) -> dict:
    return {"hello": event["name"]}


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
    assert engine.redis.llen(f"rq:queue:{dispatch.activity_queue(FUNCTION)}") == 1
    described = drain(engine, execution)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"greeting": "Ada", "status": 200}
    types = [event["type"] for event in engine.history(execution)]
    assert "LambdaFunctionSucceeded" in types and "TaskSucceeded" in types


def test_an_aws_resource_nothing_runs_is_refused_at_start(engine: Engine) -> None:
    machine = {
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
    with pytest.raises(UnhandledResource, match="@integration"):
        engine.start_execution(machine, {}, check_resources=True)
    assert engine.list_executions() == []
