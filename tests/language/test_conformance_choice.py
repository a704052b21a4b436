"""The AWS-recorded choice_operators cases: each Choice rule must pick the branch AWS picked."""

import json
from pathlib import Path

import pytest

from engine.language.choice import compile_rule
from engine.language.scope import Scope

CASES = Path(__file__).parents[1] / "conformance" / "cases" / "choice_operators"


def _cases():
    for file in sorted(CASES.glob("*.json")):
        case = json.loads(file.read_text())
        yield pytest.param(case, id=case["id"])


def _choose(choice_state, data):
    for rule in choice_state["Choices"]:
        if compile_rule(rule).matches(data, Scope()):
            return rule["Next"]
    return choice_state["Default"]


@pytest.mark.parametrize("case", list(_cases()))
def test_choice_picks_the_branch_aws_picked(case):
    states = case["definition"]["States"]
    choice = next(state for state in states.values() if state["Type"] == "Choice")
    expected = case["expected"]["output"]["TestResult.$"]
    assert _choose(choice, case["input"]) == expected
