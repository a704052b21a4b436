"""What every integration module provides, and how a Task fails with an AWS error name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engine.activities import ActivityContext
from engine.definition.resources import ResourceKind
from engine.errors import SfnError
from engine.integrations.settings import IntegrationSettings

Json = Any
# What runs one Task attempt: (task input, context) -> result; raises TaskFailure or anything.
Runner = Callable[[Json, ActivityContext], Json]


@dataclass(frozen=True)
class ChildRequest:
    """A nested execution to start, and the parent Task waiting for it (`parent_token`, in
    the state `parent_state` of the execution `parent_execution`)."""

    state_machine: str
    input: Json
    name: str
    parent_token: str
    pattern: str
    parent_execution: str = ""
    parent_state: str = ""


@dataclass(frozen=True)
class ChildStarted:
    """What StartExecution answers; `ended` is the child's description when it already ended
    (the in-memory driver runs it to its end at once), else None: the result comes later."""

    execution_arn: str
    start_date: str
    ended: Mapping[str, Json] | None = None


class Registered(Protocol):
    """The functions a process runs Tasks with (an `engine.activities.Registry`), given to
    the table by the caller: the integrations read no global registry."""

    def lookup(self, name: str) -> Callable[..., Any] | None:
        """The activity `name` (None when none of that name is known)."""
        ...

    def handler(self, resource: str) -> Callable[..., Any] | None:
        """The `@integration` handler of a full resource (None when none matches)."""
        ...

    def names(self) -> list[str]:
        """The activities' names, for messages."""
        ...


class Children(Protocol):
    def start(self, request: ChildRequest) -> ChildStarted: ...


class TaskFailure(Exception):
    """A Task failure with the error name and cause AWS reports for it (Retry and Catch match
    `error`). Handlers raise it to fail with an exact name, e.g. `SQS.QueueDoesNotExist`."""

    def __init__(self, error: str, cause: str | None = None):
        self.error = error
        self.cause = cause
        super().__init__(f"{error}: {cause}" if cause else error)


class Integration(Protocol):
    """One row of the table: the resources it serves and how it runs them."""

    def activity(self, kind: ResourceKind, task_input: Json) -> str | None:
        """The activity that runs the Task (its queue routes the job), or None if none does."""
        ...

    def runner(
        self,
        kind: ResourceKind,
        task_input: Json,
        registered: Registered,
        children: Children | None,
        settings: IntegrationSettings,
    ) -> Runner:
        """What runs the attempt (`children` starts nested executions, where they can run).
        UnknownResource when nothing registered can run it."""
        ...

    def problem(
        self, kind: ResourceKind, state: Mapping[str, Json], registered: Registered
    ) -> SfnError | None:
        """Why a Task state of this resource cannot run here, said before the execution starts
        (None when it can, or when only its input will tell)."""
        ...
