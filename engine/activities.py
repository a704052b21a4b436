"""Activities: the Python functions that Task states run, registered by name.

A definition's `Resource` resolves only to a registered activity, never to an import path.
"""

from __future__ import annotations

import json
import traceback
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_registry: dict[str, Callable[..., Any]] = {}


def activity(name: str) -> Callable[[F], F]:
    """Register a function as the activity `name`: `Resource: name` in a Task runs it."""

    def register(function: F) -> F:
        _registry[name] = function
        return function

    return register


def registered() -> dict[str, Callable[..., Any]]:
    """The activities registered so far, by name (a copy)."""
    return dict(_registry)


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
