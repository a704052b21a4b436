"""Every supported operation: its handler over the `Engine` and the request members it takes
(a member it does not take is refused, never ignored)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.awsapi import activities, executions, machines, tasks, teststate
from engine.runtime.engine import Engine

Json = Any
Handler = Callable[[Engine, dict[str, Json]], dict[str, Json]]
_PAGE = ("maxResults", "nextToken")
_MACHINE = ("loggingConfiguration", "tracingConfiguration", "publish", "versionDescription",
            "encryptionConfiguration")  # fmt: skip


@dataclass(frozen=True)
class Operation:
    handler: Handler
    members: frozenset[str]


def _op(handler: Handler, *members: str) -> Operation:
    return Operation(handler, frozenset(members))


OPERATIONS: dict[str, Operation] = {
    "StartExecution": _op(executions.start_execution, "stateMachineArn", "name", "input"),
    "DescribeExecution": _op(executions.describe_execution, "executionArn"),
    "ListExecutions": _op(
        executions.list_executions,
        "stateMachineArn",
        "statusFilter",
        "redriveFilter",
        "mapRunArn",
        *_PAGE,
    ),
    "GetExecutionHistory": _op(
        executions.get_execution_history,
        "executionArn",
        "reverseOrder",
        "includeExecutionData",
        *_PAGE,
    ),
    "StopExecution": _op(executions.stop_execution, "executionArn", "error", "cause"),
    "RedriveExecution": _op(executions.redrive_execution, "executionArn", "clientToken"),
    "DescribeStateMachineForExecution": _op(
        executions.describe_state_machine_for_execution, "executionArn"
    ),
    "CreateStateMachine": _op(
        machines.create_state_machine, "name", "definition", "roleArn", "type", "tags", *_MACHINE
    ),
    "DescribeStateMachine": _op(machines.describe_state_machine, "stateMachineArn"),
    "ListStateMachines": _op(machines.list_state_machines, *_PAGE),
    "UpdateStateMachine": _op(
        machines.update_state_machine, "stateMachineArn", "definition", "roleArn", *_MACHINE
    ),
    "DeleteStateMachine": _op(machines.delete_state_machine, "stateMachineArn"),
    "ValidateStateMachineDefinition": _op(
        machines.validate_state_machine_definition, "definition", "type", "severity", "maxResults"
    ),
    "TagResource": _op(machines.tag_resource, "resourceArn", "tags"),
    "UntagResource": _op(machines.untag_resource, "resourceArn", "tagKeys"),
    "ListTagsForResource": _op(machines.list_tags_for_resource, "resourceArn"),
    "SendTaskSuccess": _op(tasks.send_task_success, "taskToken", "output"),
    "SendTaskFailure": _op(tasks.send_task_failure, "taskToken", "error", "cause"),
    "SendTaskHeartbeat": _op(tasks.send_task_heartbeat, "taskToken"),
    "CreateActivity": _op(activities.create_activity, "name", "tags", "encryptionConfiguration"),
    "DescribeActivity": _op(activities.describe_activity, "activityArn"),
    "ListActivities": _op(activities.list_activities, "maxResults", "nextToken"),
    "DeleteActivity": _op(activities.delete_activity, "activityArn"),
    "GetActivityTask": _op(activities.get_activity_task, "activityArn", "workerName"),
    "TestState": _op(
        teststate.run_test_state,
        "definition",
        "roleArn",
        "input",
        "inspectionLevel",
        "revealSecrets",
        "variables",
        "stateName",
        "mock",
        "context",
        "stateConfiguration",
    ),
}
