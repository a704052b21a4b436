"""Integrations: how a Task's Resource is run. One table (`table.TABLE`) maps each resource
form to the module that runs it: sfn activities, Lambda functions, HTTP requests, and the
handlers users register for any other AWS resource (`@integration`, in `engine.activities`).

`resolve(resource)` is one dict hit once a resource has been seen; the interpreter never asks,
it records events from the resource's kind (`engine.definition.resources`).
"""

from __future__ import annotations

from engine.integrations.base import Children, ChildRequest, ChildStarted, Registered, TaskFailure
from engine.integrations.settings import IntegrationSettings
from engine.integrations.start_execution import LATER
from engine.integrations.table import Binding, check, resolve, runner, task_states

__all__ = [
    "LATER",
    "Binding",
    "ChildRequest",
    "ChildStarted",
    "Children",
    "IntegrationSettings",
    "Registered",
    "TaskFailure",
    "check",
    "resolve",
    "runner",
    "task_states",
]
