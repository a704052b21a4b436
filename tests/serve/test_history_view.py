"""The UI's reading of a history: Task attempts for every Resource form AWS records."""

import pytest

from engine import testing
from engine.serve.history_view import analyse

RESOURCES = {
    "Task": "arn:aws:states:::lambda:invoke",
    "LambdaFunction": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
    "Activity": "arn:aws:states:us-east-1:123456789012:activity:flaky",
}


class Flaky(Exception):
    """The first call's failure, which the state's Retry handles."""


@pytest.mark.parametrize("family", sorted(RESOURCES))
def test_attempts_are_read_from_each_resource_forms_events(family):
    resource = RESOURCES[family]
    state = {"Type": "Task", "Resource": resource, "End": True}
    state["Retry"] = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}]
    if family == "Task":
        state["Parameters"] = {"FunctionName": "flaky", "Payload.$": "$"}
    calls = []

    def flaky(task):
        calls.append(task)
        if len(calls) == 1:
            raise Flaky("first call fails")
        return {"ok": True}

    result = testing.run({"StartAt": "Work", "States": {"Work": state}}, {}, {"flaky": flaky})
    assert result.status == "SUCCEEDED"
    assert {event["type"] for event in result.history} >= {f"{family}Scheduled"}

    (entry,) = analyse(result.history).entries
    assert [attempt.outcome for attempt in entry.attempts] == ["failed", "succeeded"]
    assert entry.attempts[0].error is not None and "Flaky" in entry.attempts[0].error
    assert entry.error is None  # the retry succeeded
