"""Activity operations on an Engine (fakeredis): life cycle and an empty long poll."""

from __future__ import annotations

import json

import pytest

from engine.awsapi import activities


def test_life_cycle(api, fails) -> None:
    arn = api("CreateActivity", name="a1")["activityArn"]
    assert arn.endswith(":activity:a1")
    described = api("DescribeActivity", activityArn=arn)
    assert described["name"] == "a1" and isinstance(described["creationDate"], float)
    api("CreateActivity", name="a2")
    first = api("ListActivities", maxResults=1)
    rest = api("ListActivities", maxResults=1, nextToken=first["nextToken"])
    assert [a["name"] for a in first["activities"] + rest["activities"]] == ["a1", "a2"]
    api("DeleteActivity", activityArn=arn)
    assert fails("DescribeActivity", activityArn=arn).type == "ActivityDoesNotExist"
    assert fails("GetActivityTask", activityArn=arn).type == "ActivityDoesNotExist"
    assert fails("CreateActivity", name="a b").type == "InvalidName"


def test_a_poll_without_tasks_returns_no_token(api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(activities, "POLL_SECONDS", 0.2)
    arn = api("CreateActivity", name="idle")["activityArn"]
    assert api("GetActivityTask", activityArn=arn, workerName="w") == {}


def test_a_polled_task_is_answered_by_its_token(api) -> None:
    activity = api("CreateActivity", name="echo")["activityArn"]
    task = {"Type": "Task", "Resource": activity, "End": True}
    definition = json.dumps({"StartAt": "T", "States": {"T": task}})
    machine = api("CreateStateMachine", name="m", definition=definition, roleArn="r")
    execution = api("StartExecution", stateMachineArn=machine["stateMachineArn"], input='{"x": 1}')[
        "executionArn"
    ]
    polled = api("GetActivityTask", activityArn=activity)
    assert json.loads(polled["input"]) == {"x": 1}
    api("SendTaskSuccess", taskToken=polled["taskToken"], output='{"y": 2}')
    described = api("DescribeExecution", executionArn=execution)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"y": 2})
