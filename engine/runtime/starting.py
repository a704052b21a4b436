"""Opening an execution: its description, its `$$`, and the one commit that stores the
definition and starts the root run. Shared by the Engine's starts and a worker's nested
executions (`engine.runtime.nested`), so both open executions the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.core.context import iso
from engine.core.triggers import Start
from engine.runtime.requests import StartRequest
from engine.runtime.runtime import Runtime
from engine.runtime.store import (
    ARN_PREFIX,
    RUNNING,
    ExecutionAlreadyExists,
    dumps,
    execution_arn,
    execution_id,
)

Json = Any


@dataclass(frozen=True)
class Started:
    """A started (or, same name and input, already existing) execution and its start time."""

    execution: str
    start_date: str  # ISO 8601, as stored
    status: str = RUNNING  # an existing execution's status now


def open_execution(
    runtime: Runtime,
    data: Json,
    digest: str,
    payload: Json,
    machine_name: str,
    name: str,
    extra: Mapping[str, str] | None = None,
    input_text: str | None = None,
) -> Started:
    """Open the execution `machine_name:name` of the validated definition `data` (`digest`)
    with input `payload` (`input_text`: as compact JSON text, when printed already); `extra`
    adds description fields (a nested execution's parent). The same name with the same input
    is the existing execution; another input is refused."""
    execution = execution_id(machine_name, name)
    input_text = dumps(payload) if input_text is None else input_text
    runtime.machines.root(digest, data)  # compiled before its commit stores it
    now = runtime.env.now()
    meta = {
        "executionArn": execution_arn(execution),
        "stateMachineArn": f"{ARN_PREFIX}:stateMachine:{machine_name}",
        "stateMachineName": machine_name,
        "name": name,
        "definition": digest,
        "status": RUNNING,
        "startDate": iso(now),
        "startEpoch": str(now.timestamp()),
        "input": input_text,
        "redriveCount": "0",
        **(extra or {}),
    }
    context = {
        "Execution": {
            "Id": meta["executionArn"],
            "Name": name,
            "Input": payload,
            "StartTime": meta["startDate"],
            "RedriveCount": 0,
        },
        "StateMachine": {"Id": meta["stateMachineArn"], "Name": machine_name},
    }
    # One commit stores the definition and opens the execution (an existing name: stale).
    # The input's text goes along: the history prints the same text (not encoded again).
    start = Start(payload, context, encoded=input_text)
    request = StartRequest(execution, start, meta, digest, data)
    if runtime.advance(request).committed:
        return Started(execution, meta["startDate"])
    existing = runtime.store.meta(execution)
    if existing.get("input") != input_text:
        raise ExecutionAlreadyExists(
            f"execution {execution!r} already exists with a different input"
        )
    return Started(execution, existing["startDate"], existing["status"])
