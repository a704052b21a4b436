"""Activities: the Python functions that Task states run, registered by name, and the
handlers registered for other AWS resources (`@integration`), by resource pattern.

A definition's `Resource` resolves only to a registered function, never to an import path.
`@activity("name")` and `@integration(pattern)` fill the default `Registry`;
`activity_loading.load_activities` imports the modules, files and folders a user names (and
the `sfn.activities` entry points) into a registry of your choice.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
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
STATES_PREFIX = "arn:aws:states:::"


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


@dataclass(frozen=True)
class Handler:
    """A function registered with `@integration` for the Task resources `pattern` (a full
    resource, or a glob) matches."""

    pattern: str
    function: Callable[..., Any]


class Handlers:
    """Registered handlers: exact resources first, then glob patterns in registration order."""

    def __init__(self) -> None:
        self._exact: dict[str, Handler] = {}
        self._patterns: list[Handler] = []

    def add(self, handler: Handler) -> None:
        if any(char in handler.pattern for char in "*?["):
            self._patterns = [h for h in self._patterns if h.pattern != handler.pattern]
            self._patterns.append(handler)
        else:
            self._exact[handler.pattern] = handler

    def find(self, resource: str) -> Handler | None:
        found = self._exact.get(resource)
        if found is None:
            found = next(
                (h for h in self._patterns if fnmatch.fnmatchcase(resource, h.pattern)), None
            )
        return found

    def __len__(self) -> int:
        return len(self._exact) + len(self._patterns)


def full_pattern(pattern: str) -> str:
    """`sqs:sendMessage*` is short for `arn:aws:states:::sqs:sendMessage*`."""
    return pattern if pattern.startswith(("arn:", "*")) else STATES_PREFIX + pattern


class Registry:
    """Activities by name and `@integration` handlers by resource. `default_registry` is the
    one `@activity` and `@integration` fill; the processes (the CLI's commands, `sfn worker`,
    an `Engine`) hold the one they run and pass it down, so neither the runtime nor the
    integrations table reads a global one."""

    def __init__(self) -> None:
        self._activities: dict[str, Activity] = {}
        self.handlers = Handlers()

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

    def integration(self, pattern: str) -> Callable[[F], F]:
        """Decorator: register a function for the Task resources `pattern` matches."""

        def register(function: F) -> F:
            handler = Handler(full_pattern(pattern), function)
            self.handlers.add(handler)
            tags = dict(getattr(function, "__sfn_integrations__", {}))
            tags[handler.pattern] = handler
            with contextlib.suppress(AttributeError, TypeError):
                function.__sfn_integrations__ = tags  # found by loaders, as activities are
            return function

        return register

    def handler(self, resource: str) -> Callable[..., Any] | None:
        """The function registered for a full resource (what the integrations table asks)."""
        found = self.handlers.find(resource)
        return None if found is None else found.function

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


def integration(pattern: str) -> Callable[[F], F]:
    """Register a function to run the Tasks whose Resource matches `pattern` (an exact
    resource or a glob; `sqs:*` is short for `arn:aws:states:::sqs:*`).

    It receives the Task's resolved Parameters (or Arguments) and, if it asks (a second
    parameter or a keyword named `context`), an ActivityContext; what it returns is the Task's
    result. Raise `engine.integrations.TaskFailure(error, cause)` to fail with AWS's error name."""
    return default_registry.integration(pattern)


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


# How `_calling` says an activity takes its context.
KEYWORD, POSITIONAL = "keyword", "positional"


def call_arguments(
    function: Callable[..., Any], task_input: Any, context: Any
) -> tuple[list[Any], dict[str, Any]]:
    """How to call `function`: with no argument, the input, or the input and the context
    (by keyword when a parameter is named `context`, else as the second argument)."""
    try:
        takes_input, gets_context = _calling(function)
    except TypeError:  # unhashable: not cached
        takes_input, gets_context = _calling.__wrapped__(function)
    args = [task_input] if takes_input else []
    if gets_context == KEYWORD:
        return args, {"context": context}
    if gets_context == POSITIONAL:
        return [task_input, context], {}
    return args, {}


@functools.lru_cache(maxsize=256)
def _calling(function: Callable[..., Any]) -> tuple[bool, str | None]:
    """Whether `function` takes the input, and how it takes the context (KEYWORD, POSITIONAL,
    None): read from its signature once, not for every Task attempt (~30 us each)."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return True, None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    takes_input = bool(positional) or any(p.kind is p.VAR_POSITIONAL for p in parameters)
    if any(p.name == "context" and p.kind is not p.POSITIONAL_ONLY for p in parameters[1:]):
        return takes_input, KEYWORD
    if len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return takes_input, POSITIONAL
    return takes_input, None


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
