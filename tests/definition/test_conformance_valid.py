"""Every definition AWS accepted (the conformance cases) is valid to `validate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.definition import load_definition, validate

CASES = Path(__file__).resolve().parents[1] / "conformance" / "cases"
FILES = sorted(CASES.rglob("*.json"))


def test_all_cases_are_found() -> None:
    assert len(FILES) >= 498


@pytest.mark.parametrize("case", FILES, ids=[str(f.relative_to(CASES)) for f in FILES])
def test_definition_accepted_by_aws_is_valid(case: Path) -> None:
    definition = json.loads(case.read_text(encoding="utf-8"))["definition"]
    document = load_definition(json.dumps(definition, indent=2), filename=case.name + ".json")
    assert [str(d) for d in validate(document)] == []
    assert validate(load_definition(definition)) == []
