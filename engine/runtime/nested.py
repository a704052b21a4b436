"""Nested executions (states:startExecution): a worker starts the child as a durable execution
of its own, marked with the parent Task's token; the child's end commit enqueues
`notify_parent`, which reports AWS's `.sync` / `.sync:2` result to the parent's Task. Both steps
are idempotent (the child's name comes from the Task attempt; a stale report commits nothing),
so a worker lost in either is simply replaced.

Stopping a parent stops the children its Tasks wait for (`.sync`, `.sync:2`), as AWS stops the
job of a `.sync` Task whose execution is stopped: the parent's stop commit enqueues
`stop_children`, and each child's stop does the same for its own. Children started without
waiting (`startExecution`, `.waitForTaskToken`) run on.
"""

from __future__ import annotations

from engine.core.triggers import Stop, TaskFailed, TaskSucceeded
from engine.definition import load_definition, validate
from engine.errors import DefinitionError
from engine.integrations import ChildRequest, ChildStarted, TaskFailure
from engine.integrations.start_execution import missing, result, workflow_file
from engine.runtime import keys, tokens
from engine.runtime.executions import NOTIFIED_PATTERNS
from engine.runtime.requests import StopRequest, TaskResultRequest
from engine.runtime.runtime import Runtime
from engine.runtime.starting import open_execution
from engine.runtime.state_machines import StateMachineDoesNotExist, StateMachines
from engine.runtime.store import RUNNING, definition_digest, execution_arn


class DurableChildren:
    """Starts nested executions on the Redis server the worker runs on."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def start(self, request: ChildRequest) -> ChildStarted:
        data = self._definition(request.state_machine)
        parent = {"parentToken": request.parent_token, "parentPattern": request.pattern}
        if request.parent_execution:  # the UI links parent and child both ways
            parent["parentExecution"] = request.parent_execution
            parent["parentState"] = request.parent_state
        started = open_execution(
            self.runtime,
            data,
            definition_digest(data),
            request.input,
            request.state_machine,
            request.name,
            parent,
        )
        return ChildStarted(execution_arn(started.execution), started.start_date)

    def _definition(self, name: str) -> dict:
        """The definition of the state machine created under `name` (through the API), else
        of its file in the workflows folder, validated (a TaskFailure says what is wrong)."""
        machines = StateMachines(self.runtime.redis, self.runtime.store)
        try:
            return machines.definition(machines.get(name))
        except StateMachineDoesNotExist:
            path = workflow_file(name, self.runtime.config.workflows)
        if path is None:
            raise missing(name, self.runtime.config.workflows)
        try:
            document = load_definition(path)
        except DefinitionError as error:
            raise TaskFailure("States.Runtime", str(error)) from None
        problems = [d for d in validate(document) if d.severity == "error"]
        if problems:
            raise TaskFailure("States.Runtime", str(DefinitionError(problems)))
        return document.data


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
    parent, run = tokens.awaiting(awaiting)
    runtime.advance(TaskResultRequest(parent, run, trigger))


def stop(runtime: Runtime, execution: str, error: str | None, cause: str | None) -> bool:
    """StopExecution of `execution`; its commit also enqueues the stop of the children its
    Tasks wait for (`StopRequest`). False when it had ended already (nothing written)."""
    return runtime.advance(StopRequest(execution, Stop(error, cause))).committed


def stop_children(runtime: Runtime, execution: str) -> None:
    """Stop the running nested executions that the stopped `execution`'s Tasks waited for."""
    parent = execution_arn(execution)
    members = runtime.redis.smembers(keys.children(execution))
    children = sorted(member.decode() for member in members)
    for child, meta in zip(children, runtime.store.metas(children), strict=True):
        # a gone child ({}: purged) has nothing to stop
        if meta.get("parentPattern") in NOTIFIED_PATTERNS and meta.get("status") == RUNNING:
            stop(runtime, child, None, f"The parent execution {parent} was stopped.")
