"""ARNs in and out: sfn's own (`arn:aws:states:local:000000000000:...`) and, leniently, any
region and account (scripts written for Step Functions Local build `us-east-1:123456789012`)."""

from __future__ import annotations

import re

from engine.awsapi.errors import invalid_arn
from engine.runtime.store import ARN_PREFIX

_ARN = re.compile(r"arn:[a-z-]+:states:[a-z0-9-]*:\d*:(stateMachine|execution|activity):(.+)")


def resource(arn: object, kind: str) -> str:
    """The resource part of a `kind` ARN (a state machine's name, an execution's
    `<machine>:<name>`); InvalidArn for anything else."""
    match = _ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is None or match.group(1) != kind:
        raise invalid_arn(arn)
    name = match.group(2)
    if name.count(":") != (1 if kind == "execution" else 0):
        raise invalid_arn(arn)
    return name


def arn(kind: str, name: str) -> str:
    return f"{ARN_PREFIX}:{kind}:{name}"
