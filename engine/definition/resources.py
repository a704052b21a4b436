"""What a Task's `Resource` names, read from its text: a plain activity name, an activity ARN,
a Lambda function ARN, or a service integration (`arn:aws:states:::service:action.pattern`).

Pure string parsing, done once per definition: the interpreter needs it to record the history
events AWS records for each form, the integration table to pick who runs the Task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Integration patterns AWS appends to a service action.
CALLBACK = ".waitForTaskToken"
SYNC_PATTERNS = (".sync:2", ".sync")
# History event families: Task* (integrations, and sfn's plain activity names), LambdaFunction*
# (a Lambda function ARN as the Resource), Activity* (a Step Functions activity ARN).
TASK, LAMBDA, ACTIVITY = "task", "lambda", "activity"

_LAMBDA_ARN = re.compile(
    r"arn:(?P<partition>[\w-]+):lambda:(?P<region>[\w-]*):(?P<account>\d*):function:"
    r"(?P<name>[\w-]+)(?::(?P<qualifier>[\w$-]+))?"
)
_ACTIVITY_ARN = re.compile(r"arn:[\w-]+:states:[\w-]*:\d*:activity:(?P<name>[\w.-]+)")
_SERVICE_ARN = re.compile(r"arn:[\w-]+:states:::(?P<service>[\w-]+(?::[\w-]+)?):(?P<action>.+)")


@dataclass(frozen=True)
class ResourceKind:
    """How AWS records a Task of this resource, and what it names.

    `resource_type` and `resource` are the Task* events' fields (`lambda` / `invoke`,
    `aws-sdk:s3` / `getObject`); `name` is the activity or function name where there is one,
    `qualifier` a Lambda version or alias, `pattern` "", ".sync", ".sync:2" or CALLBACK."""

    family: str
    resource_type: str
    resource: str
    name: str = ""
    qualifier: str | None = None
    service: str = ""
    action: str = ""
    pattern: str = ""

    @property
    def callback(self) -> bool:
        return self.pattern == CALLBACK


def classify(resource: str) -> ResourceKind:
    """The kind of a Resource. A plain name is an sfn activity (Task* events, resourceType
    `activity`), as before integrations; so is a name with an integration suffix."""
    if match := _LAMBDA_ARN.fullmatch(resource):
        return ResourceKind(
            LAMBDA, "lambda", resource, match["name"], match["qualifier"], "lambda", "invoke"
        )
    if match := _ACTIVITY_ARN.fullmatch(resource):
        return ResourceKind(ACTIVITY, "activity", resource, match["name"])
    if match := _SERVICE_ARN.fullmatch(resource):
        action, pattern = split_pattern(match["action"])
        return ResourceKind(
            TASK,
            match["service"],
            match["action"],
            service=match["service"],
            action=action,
            pattern=pattern,
        )
    name, pattern = split_pattern(resource)
    return ResourceKind(TASK, "activity", resource, name, pattern=pattern)


def split_pattern(text: str) -> tuple[str, str]:
    """(`action`, `.pattern`) of `action.pattern`; the pattern is "" when there is none."""
    for pattern in (CALLBACK, *SYNC_PATTERNS):
        if text.endswith(pattern):
            return text.removesuffix(pattern), pattern
    return text, ""
