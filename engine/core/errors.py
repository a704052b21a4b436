"""How AWS matches an error name against a Retry or Catch `ErrorEquals` list.

States.Runtime never reaches a matcher: it fails the execution, as AWS does.
"""

from __future__ import annotations

from collections.abc import Iterable

RUNTIME = "States.Runtime"
ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
QUERY_EVALUATION = "States.QueryEvaluationError"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
# A task result that is not JSON data (a datetime, a set, NaN, nested too deep): the error
# AWS Lambda's runtime reports for a function whose return value it cannot serialize.
MARSHAL_ERROR = "Runtime.MarshalError"

# Errors a state cannot handle: they fail the execution whatever its Retry and Catch say.
# An oversized task result is the exception: AWS reports it as a task failure, which
# Retry and Catch handle (the recorded cases show States.ALL catching it).
TERMINAL = frozenset({RUNTIME, DATA_LIMIT_EXCEEDED})
# States.TaskFailed is a wildcard for task errors, except these.
_NOT_TASK_FAILURES = frozenset({TIMEOUT, HEARTBEAT_TIMEOUT, RUNTIME})


def is_terminal(error: str | None, from_task: bool = False) -> bool:
    if from_task and error == DATA_LIMIT_EXCEEDED:
        return False
    return error in TERMINAL


def error_matches(error_equals: Iterable[str], error: str | None, from_task: bool) -> bool:
    """Whether a retrier or catcher with `error_equals` handles `error`."""
    for name in error_equals:
        if name in (error, ALL):
            return True
        if name == TASK_FAILED and from_task and error not in _NOT_TASK_FAILURES:
            return True
    return False
