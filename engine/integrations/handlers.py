"""Handlers users register for any other AWS resource (`sqs:sendMessage`, `aws-sdk:*`, `.sync`
jobs...): `@integration("arn:aws:states:::sqs:sendMessage*")` (`engine.activities`) makes a
function run every Task whose Resource matches, with the resolved Parameters/Arguments and an
ActivityContext (its `task_token` is what a `.waitForTaskToken` Task waits for). This row of
the table finds the handler in the caller's registry. Nothing unregistered runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.activities import STATES_PREFIX, ActivityContext, invoke
from engine.definition.resources import ResourceKind
from engine.errors import SfnError, UnhandledResource
from engine.integrations.base import Children, Json, Registered, Runner
from engine.integrations.settings import IntegrationSettings


class RegisteredHandlers:
    def activity(self, kind: ResourceKind, task_input: Json) -> str | None:
        return None

    def runner(
        self,
        kind: ResourceKind,
        task_input: Json,
        registered: Registered,
        children: Children | None,
        settings: IntegrationSettings,
    ) -> Runner:
        resource = _resource(kind)
        handler = registered.handler(resource)
        if handler is None:
            raise UnhandledResource(resource)

        def run(task_input: Json, context: ActivityContext) -> Json:
            return invoke(handler, task_input, context)

        return run

    def problem(
        self, kind: ResourceKind, state: Mapping[str, Json], registered: Registered
    ) -> SfnError | None:
        resource = _resource(kind)
        return None if registered.handler(resource) else UnhandledResource(resource)


def _resource(kind: ResourceKind) -> str:
    return f"{STATES_PREFIX}{kind.resource_type}:{kind.resource}"


HANDLERS = RegisteredHandlers()
