"""Property tests: whatever the input, loading and validating give Diagnostics, never a crash."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.definition import Document, load_definition, validate
from engine.errors import DefinitionError, Diagnostic

CASES = Path(__file__).resolve().parents[1] / "conformance" / "cases"
DEFINITIONS = [
    json.loads(path.read_text(encoding="utf-8"))["definition"]
    for path in sorted(CASES.rglob("*.json"))[::7]
]
ASL_WORDS = [
    "StartAt", "States", "Type", "Next", "End", "Pass", "Task", "Choice", "Wait", "Succeed",
    "Fail", "Parallel", "Map", "Choices", "Default", "Variable", "StringEquals", "And", "Not",
    "Branches", "ItemProcessor", "Iterator", "Retry", "Catch", "ErrorEquals", "States.ALL",
    "ResultPath", "InputPath", "Parameters", "x.$", "Assign", "QueryLanguage", "JSONata",
    "JSONPath", "Condition", "Output", "Arguments", "Seconds", "Timestamp", "A", "B",
    "$.a", "$$.Map.Item.Value", "$.a[", "States.Format('{}', $.a)", "States.Nope()",
    "{% $states.input %}", "TimeoutSeconds", "HeartbeatSeconds", "Resource", "Items",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(ASL_WORDS)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(ASL_WORDS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=40,
)
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def load_and_validate(source: Any, **options: Any) -> list[Diagnostic]:
    """The only outcomes allowed: a Document with a list of Diagnostics, or a DefinitionError."""
    try:
        document = load_definition(source, **options)
    except DefinitionError as error:
        assert error.diagnostics and all(isinstance(d, Diagnostic) for d in error.diagnostics)
        return error.diagnostics
    assert isinstance(document, Document)
    diagnostics = validate(document)
    assert all(isinstance(d, Diagnostic) and d.message for d in diagnostics)
    return diagnostics


@PROPERTY_SETTINGS
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    load_and_validate(text)
    load_and_validate(text, filename="random.json")


@PROPERTY_SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_in_a_file(tmp_path_factory: Any, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "random.yaml"
    path.write_bytes(raw)
    load_and_validate(path)


@PROPERTY_SETTINGS
@given(st.dictionaries(st.sampled_from(ASL_WORDS) | st.text(max_size=8), JSON_VALUES))
def test_random_json_structures(data: dict) -> None:
    load_and_validate(data)
    load_and_validate(json.dumps(data), filename="random.json")


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@PROPERTY_SETTINGS
@given(st.sampled_from(DEFINITIONS), st.data())
def test_mutated_real_definitions(definition: dict, data: Any) -> None:
    mutated = copy.deepcopy(definition)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(mutated)[1:] or [("StartAt",)]))
        parent = mutated
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict | list):
            parent[path[-1]] = data.draw(JSON_VALUES)
    load_and_validate(mutated)
    load_and_validate(json.dumps(mutated, indent=1), filename="mutated.json")
