"""The draft-07 evaluator finds exactly what the jsonschema package finds, on our schema."""

from __future__ import annotations

import copy
import json
import textwrap
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from engine.definition import load_definition
from engine.definition.draft7 import Draft7
from engine.definition.schema import load_schema

from .test_invalid import CASES
from .test_properties import DEFINITIONS, JSON_VALUES, _paths

SCHEMA = load_schema()
OURS = Draft7(SCHEMA)
REFERENCE = Draft7Validator(SCHEMA)


def ours(data: Any) -> list[tuple]:
    return sorted((error.path, error.validator) for error in OURS.iter_errors(data))


def reference(data: Any) -> list[tuple]:
    found = REFERENCE.iter_errors(data)
    return sorted((tuple(error.absolute_path), error.validator) for error in found)


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_same_errors_on_the_invalid_table(case: tuple) -> None:
    data = load_definition(textwrap.dedent(case[1])).data
    assert ours(data) == reference(data)


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_no_errors_on_real_definitions(definition: dict) -> None:
    assert ours(definition) == reference(definition) == []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DEFINITIONS), st.data())
def test_same_errors_on_mutated_definitions(definition: dict, data: Any) -> None:
    mutated = copy.deepcopy(definition)
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_paths(mutated)[1:] or [("StartAt",)]))
        parent = mutated
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = data.draw(JSON_VALUES)
    mutated = json.loads(json.dumps(mutated))
    assert ours(mutated) == reference(mutated)


def test_anyof_keeps_the_errors_of_each_option() -> None:
    data = {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": -1, "End": True}}}
    (error,) = OURS.iter_errors(data)
    assert error.validator == "anyOf"
    assert [sub.validator for sub in error.context] == ["minimum", "type"]


def test_unsupported_keywords_are_refused() -> None:
    with pytest.raises(ValueError, match="oneOf"):
        Draft7({"oneOf": [{"type": "string"}]})
