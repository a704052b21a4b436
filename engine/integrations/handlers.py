"""Handlers users register for any other AWS resource (`sqs:sendMessage`, `aws-sdk:*`, `.sync`
jobs...): `@integration("arn:aws:states:::sqs:sendMessage*")` makes a function run every Task
whose Resource matches, with the resolved Parameters/Arguments and an ActivityContext (its
`task_token` is what a `.waitForTaskToken` Task waits for). Nothing unregistered runs.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from engine.activities import ActivityContext, invoke
from engine.definition.resources import ResourceKind
from engine.errors import SfnError, UnhandledResource
from engine.integrations.base import Children, Json, Lookup, Runner
from engine.integrations.settings import IntegrationSettings

F = TypeVar("F", bound=Callable[..., Any])
STATES_PREFIX = "arn:aws:states:::"


@dataclass(frozen=True)
class Handler:
    pattern: str
    function: Callable[..., Any]


class Handlers:
    """Registered handlers: exact resources first, then glob patterns in registration order."""

    def __init__(self) -> None:
        self._exact: dict[str, Handler] = {}
        self._patterns: list[Handler] = []

    def register(self, pattern: str, function: Callable[..., Any]) -> None:
        handler = Handler(_full(pattern), function)
        if any(char in pattern for char in "*?["):
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


def _full(pattern: str) -> str:
    """`sqs:sendMessage*` is short for `arn:aws:states:::sqs:sendMessage*`."""
    return pattern if pattern.startswith(("arn:", "*")) else STATES_PREFIX + pattern


default_handlers = Handlers()


def integration(pattern: str, *, handlers: Handlers | None = None) -> Callable[[F], F]:
    """Register a function to run the Tasks whose Resource matches `pattern` (an exact
    resource or a glob; `sqs:*` is short for `arn:aws:states:::sqs:*`).

    It receives the Task's resolved Parameters (or Arguments) and, if it asks (a second
    parameter or a keyword named `context`), an ActivityContext; what it returns is the Task's
    result. Raise `engine.integrations.TaskFailure(error, cause)` to fail with AWS's error name."""

    def register(function: F) -> F:
        (handlers or default_handlers).register(pattern, function)
        return function

    return register


class RegisteredHandlers:
    def __init__(self, handlers: Handlers):
        self.handlers = handlers

    def activity(self, kind: ResourceKind, task_input: Json) -> str | None:
        return None

    def runner(
        self,
        kind: ResourceKind,
        task_input: Json,
        lookup: Lookup,
        children: Children | None,
        settings: IntegrationSettings,
    ) -> Runner:
        resource = _resource(kind)
        handler = self.handlers.find(resource)
        if handler is None:
            raise UnhandledResource(resource)

        def run(task_input: Json, context: ActivityContext) -> Json:
            return invoke(handler.function, task_input, context)

        return run

    def problem(
        self, kind: ResourceKind, state: Mapping[str, Json], lookup: Lookup
    ) -> SfnError | None:
        resource = _resource(kind)
        return None if self.handlers.find(resource) else UnhandledResource(resource)


def _resource(kind: ResourceKind) -> str:
    return f"{STATES_PREFIX}{kind.resource_type}:{kind.resource}"


HANDLERS = RegisteredHandlers(default_handlers)
