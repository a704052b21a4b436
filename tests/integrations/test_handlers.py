"""Activity ARNs, user-registered handlers for other AWS resources, and the start-time refusal
of a resource nothing runs."""

from __future__ import annotations

import pytest

from engine import testing
from engine.activities import Handlers, default_registry, integration
from engine.errors import UnhandledResource
from engine.integrations import TaskFailure


def task(resource: str, parameters: dict | None = None) -> dict:
    state = {"Type": "Task", "Resource": resource, "End": True}
    if parameters is not None:
        state["Parameters"] = parameters
    return {"StartAt": "T", "States": {"T": state}}


def test_an_activity_arn_runs_the_activity_of_that_name_with_activity_events() -> None:
    arn = "arn:aws:states:us-east-1:123456789012:activity:charge"
    result = testing.run(task(arn), {"amount": 3}, {"charge": lambda event: event["amount"] * 2})
    assert result.output == 6
    types = [e["type"] for e in result.history]
    assert types[2:5] == ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]
    assert result.history[2]["activityScheduledEventDetails"]["resource"] == arn


@pytest.fixture
def handlers(monkeypatch: pytest.MonkeyPatch) -> Handlers:
    """The default registry's handlers (what `@integration` fills), emptied for one test."""
    emptied = Handlers()
    monkeypatch.setattr(default_registry, "handlers", emptied)
    return emptied


def test_a_registered_handler_gets_the_resolved_parameters_and_the_token(handlers) -> None:
    calls = []

    @integration("sqs:sendMessage.waitForTaskToken")
    def send(parameters, context):
        calls.append((parameters, context.task_token))
        return {"MessageId": "m-1"}

    resource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    parameters = {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token", "n.$": "$.n"}}
    result = testing.run(task(resource, parameters), {"n": 1})
    body, token = calls[0][0]["MessageBody"], calls[0][1]
    assert body == {"token": token, "n": 1}
    assert result.status == "SUCCEEDED"
    scheduled = result.history[2]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"]) == (
        "sqs",
        "sendMessage.waitForTaskToken",
    )


def test_a_glob_matches_several_and_an_exact_one_wins(handlers) -> None:
    integration("arn:aws:states:::aws-sdk:dynamodb:*")(lambda p: "glob")
    integration("aws-sdk:dynamodb:getItem")(lambda p: "exact")
    assert testing.run(task("arn:aws:states:::aws-sdk:dynamodb:putItem", {})).output == "glob"
    assert testing.run(task("arn:aws:states:::aws-sdk:dynamodb:getItem", {})).output == "exact"


def test_a_handler_fails_with_an_aws_error_name(handlers) -> None:
    @integration("sns:publish")
    def publish(parameters):
        raise TaskFailure("SNS.NotFoundException", "Topic does not exist")

    result = testing.run(task("arn:aws:states:::sns:publish", {"TopicArn": "t"}))
    assert (result.error, result.cause) == ("SNS.NotFoundException", "Topic does not exist")


def test_an_unregistered_aws_resource_is_refused_at_start_saying_how_to_register(handlers) -> None:
    with pytest.raises(UnhandledResource) as refused:
        testing.run(task("arn:aws:states:::events:putEvents", {}))
    message = str(refused.value)
    assert "'arn:aws:states:::events:putEvents'" in message
    assert '@integration("arn:aws:states:::events:putEvents")' in message
