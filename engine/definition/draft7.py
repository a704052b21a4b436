"""The part of JSON Schema draft-07 that schemas/state-machine.schema.json uses, checked fast.

Importing the jsonschema package costs more than the rest of `sfn validate`; this small
evaluator of the keywords our schema uses keeps the command quick. Tests check that it finds
exactly what jsonschema finds, on real and on random definitions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Json = Any
SUPPORTED = {
    "type", "properties", "additionalProperties", "required", "enum", "const", "minimum",
    "maximum", "minLength", "maxLength", "minItems", "minProperties", "pattern", "items",
    "anyOf", "allOf", "if", "then", "$ref", "description", "title", "$schema", "definitions",
}  # fmt: skip


@dataclass(frozen=True)
class SchemaError:
    """One violation: which keyword, its value, the offending instance and where it is."""

    validator: str
    validator_value: Any
    instance: Json
    schema: dict
    path: tuple[str | int, ...]
    context: tuple[SchemaError, ...] = ()


def _is_type(instance: Json, name: str) -> bool:
    if name == "integer":
        return (isinstance(instance, int) and not isinstance(instance, bool)) or (
            isinstance(instance, float) and instance.is_integer()
        )
    if name == "number":
        return isinstance(instance, int | float) and not isinstance(instance, bool)
    python = {"string": str, "object": dict, "array": list, "boolean": bool}.get(name)
    return instance is None if name == "null" else isinstance(instance, python)


def _is_number(instance: Json) -> bool:
    return _is_type(instance, "number")


def _equal(left: Json, right: Json) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_equal(left[k], right[k]) for k in left)
    return left == right


class Draft7:
    """Validates instances against one draft-07 schema using the SUPPORTED keywords."""

    def __init__(self, schema: dict):
        unknown = _keywords(schema) - SUPPORTED
        if unknown:
            raise ValueError(f"unsupported JSON Schema keywords: {sorted(unknown)}")
        self.root = schema

    def iter_errors(self, instance: Json) -> Iterator[SchemaError]:
        yield from self._check(instance, self.root, ())

    def is_valid(self, instance: Json, schema: dict) -> bool:
        return next(self._check(instance, schema, ()), None) is None

    def _check(self, instance: Json, schema: dict, path: tuple) -> Iterator[SchemaError]:
        if "$ref" in schema:  # draft-07: a $ref replaces its siblings
            yield from self._check(instance, self._resolve(schema["$ref"]), path)
            return
        for keyword, value in schema.items():
            rule = _RULES.get(keyword)
            if rule is not None:
                yield from rule(self, instance, value, schema, path)

    def _resolve(self, reference: str) -> dict:
        node: Any = self.root
        for part in reference.removeprefix("#/").split("/") if reference != "#" else ():
            node = node[part]
        return node


def _keywords(schema: Any) -> set[str]:
    if isinstance(schema, list):
        return set().union(*(_keywords(item) for item in schema))
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for keyword, value in schema.items():
        if keyword in ("properties", "definitions"):
            found |= set().union(*(_keywords(sub) for sub in value.values()))
        elif keyword not in ("enum", "const", "required", "description", "title"):
            found |= _keywords(value)
    return found


Rule = Callable[[Draft7, Json, Any, dict, tuple], Iterator[SchemaError]]


def _type(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    names = value if isinstance(value, list) else [value]
    if not any(_is_type(instance, name) for name in names):
        yield SchemaError("type", value, instance, schema, path)


def _properties(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    if isinstance(instance, dict):
        for name, sub in value.items():
            if name in instance:
                yield from v._check(instance[name], sub, (*path, name))


def _additional(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    if not isinstance(instance, dict):
        return
    extra = [key for key in instance if key not in schema.get("properties", {})]
    if value is False and extra:
        yield SchemaError("additionalProperties", value, instance, schema, path)
    elif isinstance(value, dict):
        for key in extra:
            yield from v._check(instance[key], value, (*path, key))


def _required(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    if isinstance(instance, dict):
        for name in value:
            if name not in instance:
                yield SchemaError("required", value, instance, schema, path)


def _enum(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    if not any(_equal(instance, option) for option in value):
        yield SchemaError("enum", value, instance, schema, path)


def _const(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    if not _equal(instance, value):
        yield SchemaError("const", value, instance, schema, path)


def _bound(keyword: str, broken: Callable[[Json, Any], bool], applies: Callable[[Json], bool]):
    def rule(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
        if applies(instance) and broken(instance, value):
            yield SchemaError(keyword, value, instance, schema, path)

    return rule


def _pattern(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    if isinstance(instance, str) and not re.search(value, instance):
        yield SchemaError("pattern", value, instance, schema, path)


def _items(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    if isinstance(instance, list) and isinstance(value, dict):
        for index, item in enumerate(instance):
            yield from v._check(item, value, (*path, index))


def _any_of(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    context: list[SchemaError] = []
    for option in value:
        errors = list(v._check(instance, option, path))
        if not errors:
            return
        context.extend(errors)
    yield SchemaError("anyOf", value, instance, schema, path, tuple(context))


def _all_of(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    for option in value:
        yield from v._check(instance, option, path)


def _if(v: Draft7, instance: Json, value: Any, schema: dict, path: tuple):
    if "then" in schema and v.is_valid(instance, value):
        yield from v._check(instance, schema["then"], path)


_RULES: dict[str, Rule] = {
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "enum": _enum,
    "const": _const,
    "minimum": _bound("minimum", lambda i, v: i < v, _is_number),
    "maximum": _bound("maximum", lambda i, v: i > v, _is_number),
    "minLength": _bound("minLength", lambda i, v: len(i) < v, lambda i: isinstance(i, str)),
    "maxLength": _bound("maxLength", lambda i, v: len(i) > v, lambda i: isinstance(i, str)),
    "minItems": _bound("minItems", lambda i, v: len(i) < v, lambda i: isinstance(i, list)),
    "minProperties": _bound(
        "minProperties", lambda i, v: len(i) < v, lambda i: isinstance(i, dict)
    ),
    "pattern": _pattern,
    "items": _items,
    "anyOf": _any_of,
    "allOf": _all_of,
    "if": _if,
}
