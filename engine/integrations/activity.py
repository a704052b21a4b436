"""sfn activities: a plain name (`Resource: charge`) or a Step Functions activity ARN
(`arn:aws:states:REGION:ACCOUNT:activity:charge`) runs the activity registered under the name."""

from __future__ import annotations

from collections.abc import Mapping

from engine.activities import ActivityContext, invoke
from engine.definition.resources import ResourceKind
from engine.errors import SfnError, UnknownResource
from engine.integrations.base import Children, Json, Registered, Runner
from engine.integrations.settings import IntegrationSettings


class Activities:
    def activity(self, kind: ResourceKind, task_input: Json) -> str | None:
        return kind.name

    def runner(
        self,
        kind: ResourceKind,
        task_input: Json,
        registered: Registered,
        children: Children | None,
        settings: IntegrationSettings,
    ) -> Runner:
        function = registered.lookup(kind.name)
        if function is None:
            raise UnknownResource(kind.name, [])  # the table adds the names it knows

        def run(task_input: Json, context: ActivityContext) -> Json:
            return invoke(function, task_input, context)

        return run

    def problem(
        self, kind: ResourceKind, state: Mapping[str, Json], registered: Registered
    ) -> SfnError | None:
        return None if registered.lookup(kind.name) is not None else UnknownResource(kind.name, [])


ACTIVITIES = Activities()
