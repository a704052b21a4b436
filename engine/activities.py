"""Activities: the Python functions that Task states run, registered by name.

A definition's `Resource` resolves only to a registered activity, never to an import path.
`@activity("name")` fills the default `Registry`; `activity_loading.load_activities` imports
the modules, files and folders a user names (and the `sfn.activities` entry points) into a
registry of your choice.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from engine.errors import UnknownResource, UsageError

F = TypeVar("F", bound=Callable[..., Any])

# Suffixes of AWS's service integration patterns: `name.waitForTaskToken` runs activity `name`.
INTEGRATION_SUFFIXES = (".waitForTaskToken", ".sync")


@dataclass(frozen=True)
class ActivityContext:
    """What an activity may know about the Task attempt running it.

    `idempotency_key` is stable across re-runs of the same state entry and attempt: use it for
    external calls that must not happen twice. `heartbeat()` tells the engine the activity is
    still alive (needed when the state sets HeartbeatSeconds)."""

    execution_id: str
    state_name: str
    attempt: int = 1
    deadline: datetime | None = None
    idempotency_key: str = ""
    task_token: str = field(default="", repr=False)  # a secret: kept out of logs
    heartbeat: Callable[[], None] = field(default=lambda: None, repr=False, compare=False)


@dataclass(frozen=True)
class Activity:
    """A registered activity: its name, function and the RQ queue its tasks go to."""

    name: str
    function: Callable[..., Any]
    queue: str | None = None

    def __call__(self, task_input: Any, context: ActivityContext | None = None) -> Any:
        return invoke(self.function, task_input, context)


class Registry:
    """Activities by name. `default_registry` is the one `@activity` fills; the processes (the
    CLI's commands, `sfn worker`, an `Engine`) hold the one they run and pass it down, so the
    runtime never reads a global one."""

    def __init__(self) -> None:
        self._activities: dict[str, Activity] = {}

    def activity(self, name: str, *, queue: str | None = None) -> Callable[[F], F]:
        """Decorator: register a function (sync or async) as the activity `name`."""

        def register(function: F) -> F:
            entry = Activity(name, function, queue)
            self._activities[name] = entry
            tags = dict(getattr(function, "__sfn_activities__", {}))
            tags[name] = entry
            # The tag lets a loader find the activity in its module, whatever registry it fills.
            with contextlib.suppress(AttributeError, TypeError):
                function.__sfn_activities__ = tags
            return function

        return register

    def add(self, entry: Activity, *, source: str = "") -> None:
        """Register `entry`; a different function already under its name is a UsageError."""
        known = self._activities.get(entry.name)
        if known is not None and known.function is not entry.function:
            raise UsageError(
                f"activity {entry.name!r} is defined twice: by {describe(known.function)} "
                f"and by {describe(entry.function)}{f' (from {source})' if source else ''}"
            )
        self._activities[entry.name] = entry

    def get(self, name: str) -> Activity | None:
        return self._activities.get(name)

    def lookup(self, name: str) -> Callable[..., Any] | None:
        """The function registered under `name`, or None (what the integrations table asks)."""
        entry = self._activities.get(name)
        return None if entry is None else entry.function

    def routes(self) -> dict[str, str]:
        """Activity name -> the queue `@activity(queue=)` routes its Tasks to."""
        return {name: entry.queue for name, entry in self._activities.items() if entry.queue}

    def names(self) -> list[str]:
        return sorted(self._activities)

    def resolve(self, resource: str) -> Activity:
        """The activity a Task's Resource names, or UnknownResource listing the known ones."""
        found = self._activities.get(resource)
        if found is None:
            found = self._activities.get(strip_integration_suffix(resource))
        if found is None:
            raise UnknownResource(resource, self.names())
        return found

    def check(self, resources: Iterable[str]) -> None:
        """Raise UnknownResource for the first resource that names no registered activity."""
        for resource in resources:
            self.resolve(resource)

    def __contains__(self, name: object) -> bool:
        return name in self._activities

    def __len__(self) -> int:
        return len(self._activities)


default_registry = Registry()


def activity(name: str, *, queue: str | None = None) -> Callable[[F], F]:
    """Register a function as the activity `name`: `Resource: name` in a Task runs it.

    The function receives the task input and, if it asks for one (a second parameter or a
    keyword named `context`), an ActivityContext. An async function is run with asyncio.
    `queue` routes its tasks to that RQ queue instead of the default one."""
    return default_registry.activity(name, queue=queue)


def registered() -> dict[str, Callable[..., Any]]:
    """The activities of the default registry, by name (a copy)."""
    return {name: default_registry.get(name).function for name in default_registry.names()}


def resolve(resource: str, registry: Registry | None = None) -> Callable[..., Any]:
    """The function a Task's Resource names (UnknownResource if none)."""
    return (registry or default_registry).resolve(resource).function


def strip_integration_suffix(resource: str) -> str:
    for suffix in INTEGRATION_SUFFIXES:
        if resource.endswith(suffix):
            return resource.removesuffix(suffix)
    return resource


def invoke(function: Callable[..., Any], task_input: Any, context: ActivityContext | None) -> Any:
    """Call an activity with the task input (and its context if it asks); await async ones."""
    args, kwargs = call_arguments(function, task_input, context)
    result = function(*args, **kwargs)
    if inspect.isawaitable(result):
        import asyncio  # here: ~40 ms that a process running no async activity never spends

        return asyncio.run(awaited(result))
    return result


async def awaited(awaitable: Any) -> Any:
    return await awaitable


def call_arguments(
    function: Callable[..., Any], task_input: Any, context: Any
) -> tuple[list[Any], dict[str, Any]]:
    """How to call `function`: with no argument, the input, or the input and the context
    (by keyword when a parameter is named `context`, else as the second argument)."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return [task_input], {}
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    takes_input = bool(positional) or any(p.kind is p.VAR_POSITIONAL for p in parameters)
    args = [task_input] if takes_input else []
    if any(p.name == "context" and p.kind is not p.POSITIONAL_ONLY for p in parameters[1:]):
        return args, {"context": context}
    if len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return [task_input, context], {}
    return args, {}


def describe(function: Callable[..., Any]) -> str:
    """Where a function comes from, for messages: module.qualname (file:line)."""
    name = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', '?')}"
    code = getattr(function, "__code__", None)
    return f"{name} ({code.co_filename}:{code.co_firstlineno})" if code else name


def error_from_exception(error: BaseException) -> tuple[str, str]:
    """The ASL (Error, Cause) of an exception raised by an activity, shaped as AWS Lambda's."""
    kind = type(error).__name__
    cause = {
        "errorMessage": str(error),
        "errorType": kind,
        "requestId": str(uuid.uuid4()),
        "stackTrace": traceback.format_tb(error.__traceback__),
    }
    return kind, json.dumps(cause)


def is_path_spec(spec: str | Path) -> bool:
    """Whether a --activities value names a file or folder rather than a module."""
    text = str(spec)
    return isinstance(spec, Path) or text.endswith(".py") or "/" in text or Path(text).exists()
