"""JSONPath data flow of a state: InputPath, Parameters, ResultSelector, ResultPath, OutputPath.

Each step is one function; a failure raises AslError with AWS's error name and cause.
"""

from __future__ import annotations

from typing import Any

from engine.core.env import PAYLOAD_LIMIT_BYTES
from engine.core.errors import DATA_LIMIT_EXCEEDED, MARSHAL_ERROR
from engine.core.events import to_json
from engine.errors import AslError
from engine.language.json_data import json_problem
from engine.language.scope import Scope

Json = Any


def effective_input(input_path: Any, raw: Json, scope: Scope) -> Json:
    """InputPath: absent selects `$`, null gives `{}`."""
    if input_path is None:
        return {}
    return input_path.select(raw, scope)


def render(template: Any, data: Json, scope: Scope) -> Json:
    """A payload template (Parameters, ResultSelector, ItemSelector, Assign), if any."""
    return data if template is None else template.render(data, scope)


def apply_result_path(result_path: Any, discard: bool, raw: Json, result: Json) -> Json:
    """ResultPath: where the result goes in the state's raw input (null keeps the input)."""
    if discard:
        return raw
    return result_path.apply(raw, result)


def effective_output(output_path: Any, data: Json, scope: Scope) -> Json:
    """OutputPath: absent selects `$`, null gives `{}`."""
    if output_path is None:
        return {}
    return output_path.select(data, scope)


def payload_size(value: Json) -> int:
    return text_size(to_json(value))


def text_size(text: str) -> int:
    """The UTF-8 bytes of `text` (an ASCII text, the usual case, needs no encoding)."""
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def payload_problem(value: Json, what: str) -> str | None:
    """Why `value` cannot be an execution input or a task output (AWS refuses such a call):
    it is not JSON data, or it is over the payload limit."""
    problem = data_problem(value, what)
    return problem if problem is not None else oversize_problem(to_json(value), what)


def data_problem(value: Json, what: str) -> str | None:
    """Why `value` (`what`) is not JSON data, or None."""
    problem = json_problem(value)
    return None if problem is None else f"{what} is not JSON data: {problem}"


def oversize_problem(text: str, what: str) -> str | None:
    """Why a payload (`what`) printed as `text` is over the payload limit, or None."""
    size = text_size(text)
    if size > PAYLOAD_LIMIT_BYTES:
        return (
            f"{what} is {size} bytes, over the {PAYLOAD_LIMIT_BYTES}-byte payload limit "
            "(States.DataLimitExceeded)"
        )
    return None


def check_task_result(resource: str, result: Json, limit: int = PAYLOAD_LIMIT_BYTES) -> None:
    """A task result that is not JSON data, or is larger than the payload limit, fails the
    task (catchable, as in AWS)."""
    problem = json_problem(result)
    if problem is not None:
        raise AslError(MARSHAL_ERROR, f"Unable to marshal response: {problem}")
    if payload_size(result) > limit:
        raise AslError(
            DATA_LIMIT_EXCEEDED,
            f"The state/task '{resource}' returned a result with a size exceeding "
            "the maximum number of bytes service limit.",
        )


def check_state_output(
    name: str, output: Json, limit: int = PAYLOAD_LIMIT_BYTES, encoded: str | None = None
) -> None:
    """A state output over the payload limit fails the state; `encoded`: `output` as JSON
    text, when the caller has it already."""
    if text_size(to_json(output) if encoded is None else encoded) > limit:
        raise AslError(
            DATA_LIMIT_EXCEEDED,
            f"The state/task '{name}' returned a result with a size exceeding "
            "the maximum number of bytes service limit.",
        )
