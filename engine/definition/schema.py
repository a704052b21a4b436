"""The JSON Schema check: schemas/state-machine.schema.json, with errors a person can read.

jsonschema finds the problems; this module words each one (which state, which field, what is
expected) and places it at the offending node. A valid definition, the common case, is told
apart first by `schema_check` (the schema compiled ahead of time), without importing jsonschema.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from difflib import get_close_matches
from functools import cache
from typing import TYPE_CHECKING

from engine.definition import schema_check
from engine.definition.document import Document
from engine.definition.wording import describe, json_type, show
from engine.errors import Diagnostic

if TYPE_CHECKING:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError as SchemaError

SCHEMA_FILE = "state-machine.schema.json"
Words = Iterator[Diagnostic]
# Next/End on a terminal state is worded by the semantic check `terminal_transitions`.
TERMINAL_TYPES = ("Succeed", "Fail", "Choice")
TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object (a mapping)",
    "array": "a list",
    "null": "null",
}


def load_schema() -> dict:
    """The state machine JSON Schema shipped inside the package."""
    # Imported here: importlib.resources brings tempfile and shutil, and a valid definition
    # (schema_check) never reads the schema.
    from importlib.resources import files

    text = files("engine").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _validator() -> Draft7Validator:
    # Imported here: jsonschema (with referencing, attrs and its format checkers) is most of
    # a valid definition's check time, and only a definition with problems needs it.
    from jsonschema import Draft7Validator

    return Draft7Validator(load_schema())


def schema_problems(document: Document) -> Iterator[Diagnostic]:
    """Every schema violation in the document, worded and placed."""
    if _fast_check_passes(document.data):
        return
    for error in _validator().iter_errors(document.data):
        yield from _translate(error, document)


def _fast_check_passes(data: object) -> bool:
    """True when the compiled check finds the definition valid. It may reject what jsonschema
    accepts (then jsonschema decides), never the other way round (tests/definition)."""
    try:
        schema_check.validate(data)
    except Exception:  # its own exception, or a value of a type it was not written for
        return False
    return True


def _translate(error: SchemaError, document: Document) -> Iterator[Diagnostic]:
    path = tuple(error.absolute_path)
    word = getattr(_Words, error.validator, None)
    if word is None:
        yield document.diagnostic(
            f"{describe(path)} breaks the schema rule {error.validator!r}", path
        )
        return
    yield from word(error, path, document)


class _Words:
    """One wording per JSON Schema keyword, named after it."""

    @staticmethod
    def additionalProperties(
        error: SchemaError, path: tuple, doc: Document
    ) -> Iterator[Diagnostic]:
        allowed = list(error.schema.get("properties", {}))
        kind = error.instance.get("Type")
        for key in error.instance:
            if key in allowed:
                continue
            if kind in TERMINAL_TYPES and key in ("Next", "End") and len(path) >= 2:
                continue
            message = f"{describe(path)}: unknown field {key!r}"
            if isinstance(kind, str) and path[-2:-1] == ("States",):
                message += f" in a {kind} state"
            close = get_close_matches(key, allowed, n=1, cutoff=0.75)
            message += f" (did you mean {close[0]!r}?)" if close else ""
            yield doc.diagnostic(message, (*path, key), at_key=True)

    @staticmethod
    def required(error: SchemaError, path: tuple, doc: Document) -> Words:
        missing = [name for name in error.validator_value if name not in error.instance]
        field = missing[0] if missing else error.validator_value[0]
        yield doc.diagnostic(f"{describe(path)}: missing required field {field!r}", path)

    @staticmethod
    def type(error: SchemaError, path: tuple, doc: Document) -> Words:
        expected = error.validator_value
        expected = expected if isinstance(expected, list) else [expected]
        words = " or ".join(TYPE_WORDS.get(name, name) for name in expected)
        found = json_type(error.instance)
        yield doc.diagnostic(f"{describe(path)} must be {words}, not {found}", path)

    @staticmethod
    def enum(error: SchemaError, path: tuple, doc: Document) -> Words:
        options = ", ".join(str(option) for option in error.validator_value)
        message = f"{describe(path)} must be one of {options}, not {show(error.instance)}"
        yield doc.diagnostic(message, path)

    @staticmethod
    def const(error: SchemaError, path: tuple, doc: Document) -> Words:
        if error.validator_value is True and path[-1:] == ("End",):
            message = f"{describe(path)} must be true (leave End out instead)"
        else:
            message = f"{describe(path)} must be {show(error.validator_value)}"
        yield doc.diagnostic(message, path)

    @staticmethod
    def minimum(error: SchemaError, path: tuple, doc: Document) -> Words:
        message = f"{describe(path)} must be at least {error.validator_value}, not {error.instance}"
        yield doc.diagnostic(message, path)

    @staticmethod
    def maximum(error: SchemaError, path: tuple, doc: Document) -> Words:
        message = f"{describe(path)} must be at most {error.validator_value}, not {error.instance}"
        yield doc.diagnostic(message, path)

    @staticmethod
    def minLength(error: SchemaError, path: tuple, doc: Document) -> Words:
        yield doc.diagnostic(f"{describe(path)} must not be empty", path)

    @staticmethod
    def maxLength(error: SchemaError, path: tuple, doc: Document) -> Words:
        limit = error.validator_value
        yield doc.diagnostic(f"{describe(path)} must be at most {limit} characters long", path)

    @staticmethod
    def minItems(error: SchemaError, path: tuple, doc: Document) -> Words:
        yield doc.diagnostic(f"{describe(path)} must not be empty", path)

    minProperties = minItems

    @staticmethod
    def pattern(error: SchemaError, path: tuple, doc: Document) -> Words:
        message = f"{describe(path)} must be a JSONata expression, written {{% ... %}}"
        yield doc.diagnostic(message, path)

    @staticmethod
    def anyOf(error: SchemaError, path: tuple, doc: Document) -> Words:
        # A value of the right type that breaks a bound explains itself best.
        specific = [sub for sub in error.context if sub.validator not in ("type", "pattern")]
        if specific:
            yield from _translate(specific[0], doc)
            return
        found = show(error.instance) if isinstance(error.instance, str) else None
        message = (
            f"{describe(path)} must be {_choices(error)}, not {found or json_type(error.instance)}"
        )
        yield doc.diagnostic(message, path)

    oneOf = anyOf


def _choices(error: SchemaError) -> str:
    words = []
    for option in error.validator_value:
        kind = option.get("type")
        if "$ref" in option:
            words.append("a JSONata expression ({% ... %})")
        elif kind:
            words.append(TYPE_WORDS.get(kind, kind))
    return " or ".join(words)
