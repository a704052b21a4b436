"""A conformance case's activities, built as plain Python callables from their description.

README-cases.md describes each Lambda function a Task case called as data (`behaviour` plus
fields); this turns that data back into functions the in-memory driver can call.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

Activity = Callable[[Any], Any]


def build_activities(
    specs: dict[str, dict[str, Any]] | None, cancelled: threading.Event | None = None
) -> dict[str, Activity]:
    """One callable per activity name. Sleeps wait on `cancelled`, so that a harness which gives
    up on a case (or has finished it) can release an activity still sleeping in a thread."""
    cancelled = cancelled or threading.Event()
    return {name: build_activity(spec, cancelled) for name, spec in (specs or {}).items()}


def build_activity(spec: dict[str, Any], cancelled: threading.Event) -> Activity:
    """The callable for one activity description."""
    body = _BEHAVIOURS[spec["behaviour"]](spec)
    sleep_seconds = spec.get("sleep_seconds")
    if not sleep_seconds:
        return body

    def sleeping(task_input: Any) -> Any:
        cancelled.wait(sleep_seconds)
        return body(task_input)

    return sleeping


def _return_input(spec: dict[str, Any]) -> Activity:
    return lambda task_input: copy.deepcopy(task_input)


def _return(spec: dict[str, Any]) -> Activity:
    value = spec["value"]
    return lambda task_input: copy.deepcopy(value)


def _return_repeated(spec: dict[str, Any]) -> Activity:
    text = spec["text"] * spec["times"]
    return lambda task_input: text


def _raise(spec: dict[str, Any]) -> Activity:
    # A class created here, named as the recorded Lambda's exception, so that the engine's
    # Error (the class name) matches what AWS recorded, e.g. "CustomException".
    error_class = type(spec["error_type"], (Exception,), {})
    message = spec.get("message", "")

    def raising(task_input: Any) -> Any:
        raise error_class(message)

    return raising


_BEHAVIOURS: dict[str, Callable[[dict[str, Any]], Activity]] = {
    "return_input": _return_input,
    "return": _return,
    "return_repeated": _return_repeated,
    "raise": _raise,
}
