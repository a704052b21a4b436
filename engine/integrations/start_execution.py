"""`arn:aws:states:::states:startExecution` (`.sync`, `.sync:2`, `.waitForTaskToken`): a
nested execution of the state machine `StateMachineArn` names, started through whoever runs
executions here (`Children`: the durable runtime, or the in-memory driver), with AWS's output
for each pattern: StartExecution's `ExecutionArn`/`StartDate`; DescribeExecution's fields once
the child ends (`.sync`: Input/Output as JSON text, `.sync:2`: as JSON); for a child that did
not succeed, States.TaskFailed with that description as the cause.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path

from engine.activities import ActivityContext
from engine.definition.resources import CALLBACK, ResourceKind
from engine.errors import SfnError
from engine.integrations.base import (
    Children,
    ChildRequest,
    Json,
    Registered,
    Runner,
    TaskFailure,
)
from engine.integrations.settings import IntegrationSettings

SUFFIXES = (".asl.json", ".json", ".asl.yaml", ".yaml", ".asl.yml", ".yml")
SYNC, SYNC_2 = ".sync", ".sync:2"


# What the Task's result is when it comes later (the parent is told when the child ends).
LATER = object()


class StartExecution:
    def activity(self, kind: ResourceKind, task_input: Json) -> str | None:
        return None

    def runner(
        self,
        kind: ResourceKind,
        task_input: Json,
        registered: Registered,
        children: Children | None,
        settings: IntegrationSettings,
    ) -> Runner:
        def run(task_input: Json, context: ActivityContext) -> Json:
            return start(kind, task_input, context, children)

        return run

    def problem(
        self, kind: ResourceKind, state: Mapping[str, Json], registered: Registered
    ) -> SfnError | None:
        return None


def start(
    kind: ResourceKind, parameters: Json, context: ActivityContext, children: Children | None
) -> Json:
    """Start the child; the Task's result now, or LATER."""
    if children is None:
        raise TaskFailure("States.Runtime", "nested executions need a runtime that runs them")
    if not isinstance(parameters, dict) or not isinstance(parameters.get("StateMachineArn"), str):
        raise TaskFailure("States.Runtime", "startExecution needs a StateMachineArn")
    child_input = parameters.get("Input", {})
    if isinstance(child_input, str):
        try:
            child_input = json.loads(child_input)
        except ValueError:
            raise TaskFailure("States.Runtime", "the Input of startExecution is not JSON") from None
    # A re-run attempt (a worker lost mid-start) starts the same child, not a second one.
    name = parameters.get("Name") or str(uuid.uuid5(uuid.NAMESPACE_URL, context.idempotency_key))
    request = ChildRequest(
        machine_name(parameters["StateMachineArn"]),
        child_input,
        name,
        context.task_token,
        kind.pattern,
        context.execution_id,
        context.state_name,
    )
    started = children.start(request)
    if kind.pattern in (SYNC, SYNC_2):
        return LATER if started.ended is None else result(started.ended, kind.pattern)
    if kind.pattern == CALLBACK:
        return None
    return {"ExecutionArn": started.execution_arn, "StartDate": started.start_date}


def machine_name(arn: str) -> str:
    """`arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:version]` (or a bare name) -> NAME."""
    if ":stateMachine:" in arn:
        return arn.split(":stateMachine:", 1)[1].split(":", 1)[0]
    return arn


def result(described: Mapping[str, Json], pattern: str) -> Json:
    """The `.sync` / `.sync:2` result of an ended child (DescribeExecution's fields), or
    TaskFailure(States.TaskFailed) with that description as the cause."""
    as_json = pattern == SYNC_2
    fields = {
        "ExecutionArn": described["executionArn"],
        "Input": _payload(described.get("input"), as_json),
        "InputDetails": {"Included": True},
        "Name": described["name"],
        "StartDate": described["startDate"],
        "StateMachineArn": described["stateMachineArn"],
        "Status": described["status"],
        "StopDate": described.get("stopDate"),
    }
    if described["status"] == "SUCCEEDED":
        fields["Output"] = _payload(described.get("output"), as_json)
        fields["OutputDetails"] = {"Included": True}
        return fields
    for key in ("error", "cause"):
        if described.get(key) is not None:
            fields[key.capitalize()] = described[key]
    raise TaskFailure("States.TaskFailed", json.dumps(fields, separators=(",", ":")))


def _payload(text: Json, as_json: bool) -> Json:
    if not as_json or not isinstance(text, str):
        return text
    return json.loads(text)


def workflow_file(name: str, folder: Path) -> Path | None:
    """The definition file of a state machine in the workflows `folder` (`--workflows`,
    $SFN_WORKFLOWS, else ./workflows): `NAME.asl.json`, `NAME.json`, `NAME.asl.yaml`..."""
    return next(
        (
            folder / f"{name}{suffix}"
            for suffix in SUFFIXES
            if (folder / f"{name}{suffix}").is_file()
        ),
        None,
    )


def missing(name: str, folder: Path) -> TaskFailure:
    """The failure for a state machine nothing here defines (AWS: StateMachineDoesNotExist)."""
    return TaskFailure(
        "StepFunctions.StateMachineDoesNotExistException",
        f"State Machine Does Not Exist: '{name}' (not created through the API, and no "
        f"{name}.asl.json / .json / .yaml in {folder}/)",
    )


START_EXECUTION = StartExecution()
