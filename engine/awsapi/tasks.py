"""Callback operations: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat.

A token that is not one sfn could have made is InvalidToken; one no task awaits any more is
TaskTimedOut, as AWS answers for a finished task. Messages never quote the token.
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.awsapi.errors import AwsError
from engine.awsapi.fields import string
from engine.runtime.engine import Engine, TaskNotAwaited

Json = Any
_TOKEN = re.compile(r"[0-9a-f]{32}")


def send_task_success(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    token = _token(request)
    text = string(request, "output", max_length=262144)
    try:
        output = json.loads(text)
    except ValueError as error:
        raise AwsError("InvalidOutput", f"Invalid Output: {error}") from None
    _awaited(lambda: engine.send_task_success(token, output))
    return {}


def send_task_failure(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    token = _token(request)
    error = string(request, "error", required=False, max_length=256)
    cause = string(request, "cause", required=False, max_length=32768)
    _awaited(lambda: engine.send_task_failure(token, error, cause))
    return {}


def send_task_heartbeat(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    token = _token(request)
    _awaited(lambda: engine.send_task_heartbeat(token))
    return {}


def _token(request: dict[str, Json]) -> str:
    token = string(request, "taskToken", max_length=2048)
    if not _TOKEN.fullmatch(token):
        raise AwsError("InvalidToken", "Invalid Token: 'Invalid token'")
    return token


def _awaited(call: Any) -> None:
    try:
        call()
    except TaskNotAwaited:
        raise AwsError(
            "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'"
        ) from None
