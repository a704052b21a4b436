"""The JSON Schema: valid draft-07, described field by field, shipped inside the package."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from jsonschema import Draft7Validator

from engine.definition.schema import load_schema

ROOT = Path(__file__).resolve().parents[2]
CANONICAL = ROOT / "schemas" / "state-machine.schema.json"
STATE_TYPES = {"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}


def _properties(node: object, where: str = "#") -> Iterator[tuple[str, dict]]:
    """Every named property schema in the schema, with where it is."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{where}/properties/{name}", sub
        for key, value in node.items():
            if key != "if":  # conditions name the Type they test, they declare no field
                yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _properties(item, f"{where}/{index}")


def test_the_schema_is_draft_07() -> None:
    schema = json.loads(CANONICAL.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema)


def test_the_packaged_schema_is_the_canonical_one() -> None:
    assert load_schema() == json.loads(CANONICAL.read_text(encoding="utf-8"))


def test_every_field_has_a_description() -> None:
    schema = load_schema()
    missing = [where for where, sub in _properties(schema) if "description" not in sub]
    assert missing == []
    undescribed = [name for name, sub in schema["definitions"].items() if "description" not in sub]
    assert undescribed == []


def test_every_state_type_has_its_own_definition() -> None:
    definitions = load_schema()["definitions"]
    assert set(definitions["state"]["properties"]["Type"]["enum"]) == STATE_TYPES
    for kind in STATE_TYPES:
        fields = definitions[kind.lower() + "State"]["properties"]
        assert {"Type", "Comment", "QueryLanguage"} <= set(fields)


def test_both_query_languages_are_described() -> None:
    definitions = load_schema()["definitions"]
    task = definitions["taskState"]["properties"]
    assert {"InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath"} <= set(task)
    assert {"Arguments", "Output", "Assign"} <= set(task)
    assert "Condition" in definitions["choiceRule"]["properties"]
    assert "Items" in definitions["mapState"]["properties"]
