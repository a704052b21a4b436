"""Execution operations: StartExecution, DescribeExecution, ListExecutions,
GetExecutionHistory, StopExecution, RedriveExecution, DescribeStateMachineForExecution."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from engine.awsapi import arns, pagination, shapes
from engine.awsapi.errors import AwsError, validation
from engine.awsapi.fields import boolean, string
from engine.errors import UsageError
from engine.runtime.engine import Engine, ExecutionNotRedrivable, check_payload
from engine.runtime.state_machines import StateMachineDoesNotExist
from engine.runtime.store import (
    RUNNING,
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    execution_arn,
    execution_id,
)

Json = Any
NAME = re.compile(r"[A-Za-z0-9_\-]{1,80}")
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")
DEFAULT_ROLE = "arn:aws:iam::000000000000:role/sfn"
_CHUNK = 200


def start_execution(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    machine_name = arns.resource(string(request, "stateMachineArn"), "stateMachine")
    name = string(request, "name", required=False) or str(uuid.uuid4())
    if not NAME.fullmatch(name):
        raise AwsError("InvalidName", f"Invalid Name: '{name}'")
    text = string(request, "input", required=False)
    try:
        payload = check_payload("{}" if text is None else text)  # the start checks no more
    except UsageError as error:
        raise AwsError("InvalidExecutionInput", f"Invalid Execution Input: {error}") from None
    try:
        started = engine.start_state_machine(machine_name, payload, name, check_resources=False)
    except StateMachineDoesNotExist as error:
        raise AwsError("StateMachineDoesNotExist", str(error)) from None
    except ExecutionAlreadyExists:
        raise _already_exists(machine_name, name) from None
    if started.status != RUNNING:  # AWS: a closed execution's name is taken, whatever the input
        raise _already_exists(machine_name, name)
    return {
        "executionArn": execution_arn(started.execution),
        "startDate": shapes.epoch(started.start_date),
    }


def _already_exists(machine: str, name: str) -> AwsError:
    arn = execution_arn(execution_id(machine, name))
    return AwsError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")


def describe_execution(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    execution = _execution(request)
    return shapes.execution(_describe(engine, execution))


def list_executions(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    if request.get("mapRunArn") is not None:
        raise validation("mapRunArn: Distributed Map runs are not listed by sfn's API")
    machine = arns.resource(string(request, "stateMachineArn"), "stateMachine")
    status = string(request, "statusFilter", required=False)
    if status is not None and status not in STATUSES:
        raise validation(f"Value '{status}' at 'statusFilter' is not one of {list(STATUSES)}")
    redrive = string(request, "redriveFilter", required=False)
    if redrive not in (None, "REDRIVEN", "NOT_REDRIVEN"):
        raise validation(f"Value '{redrive}' at 'redriveFilter' is not REDRIVEN or NOT_REDRIVEN")
    size = pagination.page_size(request)
    listing = f"executions:{machine}:{status}:{redrive}"
    position = pagination.decode(request.get("nextToken"), listing)
    items, position, more = _scan(engine, machine, position, size, status, redrive)
    if not items and position == 0 and not more:
        _state_machine(engine, machine)  # no executions: does the machine exist at all?
    page: dict[str, Json] = {"executions": items}
    if more:
        page["nextToken"] = pagination.encode(listing, position)
    return page


def _scan(
    engine: Engine,
    machine: str,
    position: int,
    size: int,
    status: str | None,
    redrive: str | None,
) -> tuple[list[dict[str, Json]], int, bool]:
    """Up to `size` matching executions from index position `position`, the position after
    the last one looked at, and whether the index goes on."""
    items: list[dict[str, Json]] = []
    while True:
        ids = engine.store.execution_ids(machine, position, _CHUNK)
        for meta in engine.store.metas(ids):
            position += 1
            if meta and _matches(meta, status, redrive):
                items.append(shapes.list_item(meta))
                if len(items) == size:
                    return items, position, bool(engine.store.execution_ids(machine, position, 1))
        if len(ids) < _CHUNK:
            return items, position, False


def _matches(meta: dict[str, str], status: str | None, redrive: str | None) -> bool:
    if status is not None and meta.get("status") != status:
        return False
    redriven = int(meta.get("redriveCount", "0")) > 0
    return redrive is None or redriven == (redrive == "REDRIVEN")


def get_execution_history(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    execution = _execution(request)
    reverse = boolean(request, "reverseOrder", False)
    include = boolean(request, "includeExecutionData", True)
    size = pagination.page_size(request)
    listing = f"history:{execution}:{reverse}"
    start = pagination.decode(request.get("nextToken"), listing)
    try:
        events = engine.history(execution, reverse=reverse)
    except ExecutionDoesNotExist:
        raise _no_execution(execution) from None
    page = events[start : start + size]
    return {
        "events": [shapes.history_event(event, include) for event in page],
        **pagination.next_token(listing, start, size, start + size < len(events)),
    }


def stop_execution(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    execution = _execution(request)
    error = string(request, "error", required=False, max_length=256)
    cause = string(request, "cause", required=False, max_length=32768)
    try:
        described = engine.stop(execution, error, cause)
    except ExecutionDoesNotExist:
        raise _no_execution(execution) from None
    return {"stopDate": shapes.epoch(described["stopDate"])}


def redrive_execution(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    execution = _execution(request)
    string(request, "clientToken", required=False, max_length=64)
    try:
        described = engine.redrive(execution)
    except ExecutionDoesNotExist:
        raise _no_execution(execution) from None
    except ExecutionNotRedrivable as error:
        reason = str(error).partition(": ")[2] or str(error)
        raise AwsError("ExecutionNotRedrivable", reason) from None
    return {"redriveDate": shapes.epoch(described["redriveDate"])}


def describe_state_machine_for_execution(
    engine: Engine, request: dict[str, Json]
) -> dict[str, Json]:
    execution = _execution(request)
    meta = _describe_meta(engine, execution)
    name = meta["stateMachineName"]
    try:
        machine = engine.state_machines.get(name)
    except StateMachineDoesNotExist:
        machine = None
    definition = engine.store.definition(meta["definition"])
    current = machine is not None and machine.definition == meta["definition"]
    return {
        "stateMachineArn": meta["stateMachineArn"],
        "name": name,
        "definition": machine.definition_text if current else json.dumps(definition),
        "roleArn": machine.role_arn if machine else DEFAULT_ROLE,
        "updateDate": shapes.epoch(machine.update_date if current else meta["startDate"]),
    }


def _execution(request: dict[str, Json]) -> str:
    return arns.resource(string(request, "executionArn"), "execution")


def _describe(engine: Engine, execution: str) -> dict[str, Json]:
    try:
        return engine.describe(execution)
    except ExecutionDoesNotExist:
        raise _no_execution(execution) from None


def _describe_meta(engine: Engine, execution: str) -> dict[str, str]:
    try:
        return engine.store.meta(execution)
    except ExecutionDoesNotExist:
        raise _no_execution(execution) from None


def _no_execution(execution: str) -> AwsError:
    arn = execution_arn(execution)
    return AwsError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")


def _state_machine(engine: Engine, name: str) -> Any:
    try:
        return engine.state_machines.get(name)
    except StateMachineDoesNotExist as error:
        raise AwsError("StateMachineDoesNotExist", str(error)) from None
