"""The JSONata expressions of the AWS-recorded conformance cases, evaluated alone wherever the
case's outcome follows from them: the first JSONata state of the machine, reached through Pass
states that only assign variables, when that state is a Pass or an echoing Task (its output),
a Map over its Items (their type), a Choice (its Conditions) or a Fail (its Error and Cause)."""

import json
import re
from pathlib import Path

import pytest

from engine.errors import QueryEvaluationError
from engine.language.jsonata import compile_value, is_expression
from engine.language.scope import Scope

CASES = Path(__file__).parents[1] / "conformance" / "cases"
CATEGORIES = {"query_language", "evaluate_jsonata", "assign", "outputdecl", "arguments"}
PREFIX = re.compile(
    r"^An error occurred while executing the state '[^']*' \(entered at the event id #\d+\)\. "
)
SCOPE = Scope(random=lambda: 0.5, uuid=lambda: "00000000-0000-4000-8000-000000000000")
PASS_THROUGH = {"Type", "Assign", "Output", "Next", "QueryLanguage"}
SIMPLE_PATH = re.compile(r"^\$(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class Skip(Exception):
    """The case's outcome does not follow from its expressions alone."""


def jsonata_cases():
    for path in sorted(CASES.glob("*/*.json")):
        case = json.loads(path.read_text())
        if (
            case["category"] in CATEGORIES
            or case["query_language"] == "JSONata"
            or "JSONata" in case["features"]
        ):
            yield path, case


def language(machine, state):
    return state.get("QueryLanguage", machine.get("QueryLanguage", "JSONPath"))


def jsonpath_assign(assign, data):
    variables = {}
    for key, value in assign.items():
        if not key.endswith(".$"):
            variables[key] = value
            continue
        if not isinstance(value, str) or not SIMPLE_PATH.match(value):
            raise Skip
        for step in value.split(".")[1:]:
            data = data[step]
        variables[key[:-2]] = data
    return variables


def assigning_prefix(machine, data):
    """Follow the Pass states that only assign or reshape; variables, data and the next state."""
    variables, state = {}, machine["States"][machine["StartAt"]]
    while state["Type"] == "Pass" and "Next" in state and set(state) <= PASS_THROUGH:
        if language(machine, state) == "JSONata":
            states = {"input": data, "context": {}}
            assigned = compile_value(state.get("Assign", {}), "Assign")
            output = compile_value(state.get("Output", "{% $states.input %}"), "Output")
            data = output.evaluate(states, variables, SCOPE)
            variables = {**variables, **assigned.evaluate(states, variables, SCOPE)}
        elif "Output" in state:
            raise Skip
        else:
            variables = {**variables, **jsonpath_assign(state.get("Assign", {}), data)}
        state = machine["States"][state["Next"]]
    if language(machine, state) != "JSONata":
        raise Skip
    return variables, data, state


def end_of_map(state, data):
    if not passes_through(state["ItemProcessor"]):
        raise Skip
    return "SUCCEEDED", data, None


def choose(machine, state, states, variables):
    """The state a JSONata Choice goes to."""
    for rule in state["Choices"]:
        condition = compile_value(rule["Condition"], "Condition")
        if condition.evaluate(states, variables, SCOPE, expect="boolean"):
            return machine["States"][rule["Next"]]
    return machine["States"][state["Default"]]


def end(state, data, variables):
    """The outcome of a state that ends the run without expressions of its own."""
    if state["Type"] == "Succeed" or (state["Type"] == "Pass" and set(state) == {"Type", "End"}):
        return "SUCCEEDED", data, None
    if state["Type"] == "Fail":
        states = {"input": data, "context": {}}
        error, cause = (
            compile_value(state.get(field), field).evaluate(states, variables, SCOPE)
            for field in ("Error", "Cause")
        )
        return "FAILED", error, cause
    raise Skip


def passes_through(processor):
    states = list(processor["States"].values())
    return len(states) == 1 and set(states[0]) <= {"Type", "End"} and states[0]["Type"] == "Pass"


def outcome(case):
    """(status, output or error, cause) as the case's expressions alone decide it."""
    machine = case["definition"]
    variables, data, state = assigning_prefix(machine, case["input"])
    states = {"input": data, "context": {}}
    try:
        if state["Type"] == "Pass" and state.get("End"):
            output = compile_value(state.get("Output", "{% $states.input %}"), "Output")
            return "SUCCEEDED", output.evaluate(states, variables, SCOPE), None
        if state["Type"] == "Task" and state.get("End") and echoes(case, state["Resource"]):
            arguments = compile_value(state.get("Arguments", "{% $states.input %}"), "Arguments")
            result = arguments.evaluate(states, variables, SCOPE)
            output = compile_value(state.get("Output", "{% $states.result %}"), "Output")
            return (
                "SUCCEEDED",
                output.evaluate({**states, "result": result}, variables, SCOPE),
                None,
            )
        if state["Type"] == "Map" and "Items" in state and passes_through(state["ItemProcessor"]):
            items = compile_value(state["Items"], "Items")
            return "SUCCEEDED", items.evaluate(states, variables, SCOPE, expect="array"), None
        if state["Type"] == "Map" and "Items" not in state and isinstance(data, list):
            return end_of_map(state, data)
        if state["Type"] == "Choice":
            return end(choose(machine, state, states, variables), data, variables)
        return end(state, data, variables)
    except QueryEvaluationError as failure:
        return "FAILED", failure.error, failure.cause


def echoes(case, resource):
    activity = case.get("activities", {}).get(resource, {})
    return activity.get("behaviour") == "return_input"


def determinable():
    for path, case in jsonata_cases():
        try:
            outcome(case)
        except Skip:
            continue
        yield pytest.param(case, id=f"{path.parent.name}/{path.stem[:80]}")


DETERMINABLE = list(determinable())


def test_most_jsonata_cases_with_expressions_are_covered():
    with_expressions = [
        case
        for _, case in jsonata_cases()
        if any(is_expression(v) for v in strings(case["definition"]))
    ]
    assert len(DETERMINABLE) >= 45
    assert len(DETERMINABLE) >= len(with_expressions) * 0.75


def strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    else:
        yield value


@pytest.mark.parametrize("case", DETERMINABLE)
def test_case_outcome_follows_from_its_expressions(case):
    expected = case["expected"]
    status, first, cause = outcome(case)
    assert status == expected["status"]
    if status == "SUCCEEDED":
        assert json.dumps(first, sort_keys=True) == json.dumps(expected["output"], sort_keys=True)
    else:
        assert first == expected["error"]
        expected_cause = expected["cause"]
        assert cause == (PREFIX.sub("", expected_cause) if expected_cause else expected_cause)
