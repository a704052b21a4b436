"""Payload templates (Parameters, ResultSelector, ItemSelector, Assign): JSON with `.$` fields.

A field whose name ends in `.$` takes its value from a path (`$.x`, `$$.x`, `$name.x`) or an
intrinsic call (`States.Format(...)`); everything else is copied. Compiled once, rendered often.
Rendered values share structure with the template and the data: treat them as immutable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine.errors import AslError, ExpressionError
from engine.language.intrinsics import IntrinsicCall, compile_call
from engine.language.jsonpath import JsonPath, PathNotFound, compile_path
from engine.language.scope import Json, Scope
from engine.language.values import dumps


@dataclass(frozen=True)
class Constant:
    value: Json

    def render(self, data: Json, scope: Scope) -> Json:
        return self.value


@dataclass(frozen=True)
class PathField:
    """`"name.$": "$.path"`: fails with AWS's message naming the field when the path is missing."""

    field: str
    path: JsonPath

    def render(self, data: Json, scope: Scope) -> Json:
        try:
            return self.path.select(data, scope)
        except PathNotFound:
            raise AslError(
                "States.Runtime", missing_path_cause(self.path.text, self.field, data)
            ) from None


@dataclass(frozen=True)
class CallField:
    field: str
    call: IntrinsicCall

    def render(self, data: Json, scope: Scope) -> Json:
        try:
            return self.call.evaluate(data, scope)
        except PathNotFound as missing:
            cause = missing_path_cause(missing.path, self.field, data)
            raise AslError("States.Runtime", cause) from None


@dataclass(frozen=True)
class ObjectTemplate:
    fields: tuple[tuple[str, Template], ...]

    def render(self, data: Json, scope: Scope) -> Json:
        return {name: part.render(data, scope) for name, part in self.fields}


@dataclass(frozen=True)
class ArrayTemplate:
    items: tuple[Template, ...]

    def render(self, data: Json, scope: Scope) -> Json:
        return [item.render(data, scope) for item in self.items]


Template = Constant | PathField | CallField | ObjectTemplate | ArrayTemplate


def compile_template(obj: Json) -> Template:
    """Compile a payload template; ExpressionError names the first bad `.$` field."""
    if isinstance(obj, dict):
        fields = tuple(_compile_field(key, value) for key, value in obj.items())
        if all(isinstance(part, Constant) for _, part in fields):
            return Constant(obj)
        return ObjectTemplate(fields)
    if isinstance(obj, list):
        items = tuple(compile_template(item) for item in obj)
        if all(isinstance(item, Constant) for item in items):
            return Constant(obj)
        return ArrayTemplate(items)
    return Constant(obj)


def compile_expression(field: str, text: object) -> PathField | CallField:
    """The value of one `.$` field: a path or an intrinsic call."""
    if not isinstance(text, str):
        raise ExpressionError(
            f"the value of field {field!r} must be a string holding a path or an intrinsic call, "
            f"not {json.dumps(text)}"
        )
    if text.startswith("$"):
        return PathField(field, compile_path(text))
    if text.startswith("States."):
        return CallField(field, compile_call(text))
    raise ExpressionError(
        f"the value of field {field!r} ({text!r}) is neither a path (starting with '$') "
        "nor an intrinsic function call (starting with 'States.')"
    )


def missing_path_cause(path: str, field: str, data: Json) -> str:
    """AWS's cause when a path given for a named field selects nothing."""
    shown = dumps(data)
    return (
        f"The JSONPath '{path}' specified for the field '{field}' could not be found "
        f"in the input '{shown}'"
    )


def _compile_field(key: str, value: Json) -> tuple[str, Template]:
    if key.endswith(".$"):
        return key[:-2], compile_expression(key, value)
    return key, compile_template(value)
