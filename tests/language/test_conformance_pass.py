"""AWS-recorded cases whose machines are plain Pass chains, replayed on the language layer.

Each such case is InputPath -> Parameters -> ResultPath -> OutputPath per state; the expected
output (or error and cause) is what AWS produced. This judges paths, templates and intrinsics
against AWS without the interpreter.
"""

import json
import re
from pathlib import Path

import pytest

from engine.errors import AslError
from engine.language.jsonpath import compile_path
from engine.language.reference import compile_reference_path
from engine.language.scope import Scope
from engine.language.template import compile_template

CASES = Path(__file__).parents[1] / "conformance" / "cases"
FIELDS = {
    "Type",
    "Next",
    "End",
    "Comment",
    "InputPath",
    "Parameters",
    "Result",
    "ResultPath",
    "OutputPath",
}


def _pass_chain(case):
    definition = case["definition"]
    if case["query_language"] != "JSONPath" or "QueryLanguage" in json.dumps(definition):
        return False
    states = definition["States"].values()
    return all(state["Type"] == "Pass" and set(state) <= FIELDS for state in states)


def _cases():
    for file in sorted(CASES.glob("*/*.json")):
        case = json.loads(file.read_text())
        if _pass_chain(case) and "$$.Execution.Id" not in json.dumps(case["definition"]):
            yield pytest.param(case, id=case["id"])


def _run(case):
    definition, data = case["definition"], case["input"]
    scope = Scope(context={"Execution": {"Input": data}})
    name = definition["StartAt"]
    while True:
        state = definition["States"][name]
        effective = _select(state.get("InputPath", "$"), data, scope)
        if "Parameters" in state:
            result = compile_template(state["Parameters"]).render(effective, scope)
        else:
            result = state.get("Result", effective)
        result_path = state.get("ResultPath", "$")
        data = (
            data if result_path is None else compile_reference_path(result_path).apply(data, result)
        )
        data = _select(state.get("OutputPath", "$"), data, scope)
        if state.get("End"):
            return data
        name = state["Next"]


def _select(path, data, scope):
    return None if path is None else compile_path(path).select(data, scope)


# The interpreter adds this prefix; the language layer produces the rest of the cause.
PREFIX = re.compile(
    r"^An error occurred while executing the state '[^']*' \(entered at the event id #\d+\)\. "
)
QUOTED_JSON = re.compile(r"'(\{.*\})'")


def _normalized(cause):
    """The cause without the interpreter's prefix, quoted JSON input as AWS's snapshot shows it."""
    cause = PREFIX.sub("", cause or "")
    return QUOTED_JSON.sub(lambda match: "'<json-input>'", cause.replace("<json-input:1>", "{}"))


def _same(left, right):
    """JSON equality in which 1, 1.0 and true are different values."""
    if type(left) is not type(right) and not (isinstance(left, float) and isinstance(right, float)):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return left == right


@pytest.mark.parametrize("case", list(_cases()))
def test_pass_chain_matches_aws(case):
    expected = case["expected"]
    try:
        output = _run(case)
    except AslError as error:
        assert error.error == expected["error"]
        assert _normalized(error.cause) == _normalized(expected["cause"])
        return
    assert expected["status"] == "SUCCEEDED", (
        f"AWS failed with {expected['error']}: {expected['cause']}"
    )
    assert _same(output, expected["output"]), f"{output!r} != {expected['output']!r}"
