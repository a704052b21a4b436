"""Nested executions (states:startExecution): a worker starts the child as a durable execution
of its own, marked with the parent Task's token; the child's end commit enqueues
`notify_parent`, which reports AWS's `.sync` / `.sync:2` result to the parent's Task. Both steps
are idempotent (the child's name comes from the Task attempt; a stale report commits nothing),
so a worker lost in either is simply replaced.
"""

from __future__ import annotations

import redis

from engine.core.triggers import TaskFailed, TaskSucceeded
from engine.definition import load_definition
from engine.integrations import ChildRequest, ChildStarted, TaskFailure
from engine.integrations.start_execution import missing, result, workflow_file
from engine.runtime import keys
from engine.runtime.engine import Engine
from engine.runtime.runtime import Runtime
from engine.runtime.state_machines import StateMachineDoesNotExist
from engine.runtime.store import execution_arn


class DurableChildren:
    """Starts nested executions on the Redis server the worker runs on."""

    def __init__(self, client: redis.Redis):
        self.client = client

    def start(self, request: ChildRequest) -> ChildStarted:
        engine = Engine(client=self.client)
        try:
            definition = engine.state_machines.definition(
                engine.state_machines.get(request.state_machine)
            )
        except StateMachineDoesNotExist:
            path = workflow_file(request.state_machine)
            if path is None:
                raise missing(request.state_machine) from None
            definition = load_definition(path).data
        parent = {"parentToken": request.parent_token, "parentPattern": request.pattern}
        started = engine.start(
            definition,
            request.input,
            request.name,
            state_machine=request.state_machine,
            check_resources=False,
            parent=parent,
        )
        return ChildStarted(execution_arn(started.execution), started.start_date)


def notify_parent(runtime: Runtime, execution: str) -> None:
    """Report an ended nested execution to the parent Task waiting for it (if it still is)."""
    meta = runtime.store.meta(execution)
    token = meta["parentToken"]
    try:
        trigger = TaskSucceeded(token, result(meta, meta["parentPattern"]))
    except TaskFailure as failure:
        trigger = TaskFailed(token, failure.error, failure.cause)
    awaiting = runtime.redis.get(keys.token(token))
    if awaiting is None:
        return  # the parent's Task ended meanwhile (timed out, stopped)
    parent, _, run = awaiting.decode().partition("\n")
    runtime.advance(parent, run, trigger)
