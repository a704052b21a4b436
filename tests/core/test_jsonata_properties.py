"""Property: whatever `{% ... %}` a JSONata Pass or Task holds in Output or Arguments, and
whatever its input, a run ends SUCCEEDED or FAILED with an ASL error (or the definition is
rejected up front when the expression does not parse); never a Python exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import DefinitionError, ExpressionError
from engine.language.jsonata import compile_expression
from engine.testing import VirtualEnv, run

ATOMS = (
    "$states.input",
    "$states.input.a",
    "$states.input.items",
    "$states.input.items[0]",
    "$states.context.State.Name",
    "$states.context.Execution.Input",
    "$states.result",
    "$v",
    "$missing",
    "1",
    "-2.5",
    "0",
    "'text'",
    '"a"',
    "true",
    "null",
    "[]",
    "{}",
    "[1, 2, 3]",
    "$uuid()",
    "$random()",
)
FUNCTIONS = (
    "$sum",
    "$count",
    "$string",
    "$number",
    "$uppercase",
    "$keys",
    "$exists",
    "$not",
    "$boolean",
    "$round",
    "$abs",
    "$max",
    "$append",
    "$join",
    "$split",
    "$partition",
    "$range",
    "$hash",
    "$parse",
    "$random",
    "$eval",
    "$nosuch",
    "$substring",
    "$lookup",
)
OPERATORS = ("+", "-", "*", "/", "%", "&", "=", "!=", "<", ">=", "and", "or", "in", "..")


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    args = st.lists(children, min_size=0, max_size=3).map(", ".join)
    return st.one_of(
        st.tuples(children, st.sampled_from(OPERATORS), children).map(" ".join),
        st.tuples(st.sampled_from(FUNCTIONS), args).map(lambda p: f"{p[0]}({p[1]})"),
        st.tuples(children, children, children).map(lambda p: f"{p[0]} ? {p[1]} : {p[2]}"),
        st.lists(children, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
        children.map(lambda value: f'{{"k": {value}}}'),
        children.map(lambda value: f"({value})"),
        st.tuples(children, st.sampled_from((".a", "[0]", "[-1]", ".*", "[a > 0]"))).map("".join),
        children.map(lambda value: f"$map([1, 2], function($x) {{ {value} }})"),
    )


expressions = st.recursive(st.sampled_from(ATOMS), _combine, max_leaves=6)
# Anything at all between the braces, to reach the parser's error paths too.
texts = expressions | st.text(max_size=12)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-1e6, 1e6) | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "items"]), children, max_size=3)
    ),
    max_leaves=6,
)


def _parses(text: str) -> bool:
    try:
        compile_expression("{%" + text + "%}")
    except ExpressionError:
        return False
    return True


def _machine(kind: str, field: str, text: str, nested: bool) -> dict:
    expression = "{%" + text + "%}"
    value = {"x": expression, "lit": 1} if nested else expression
    state = {"Type": kind, field: value, "End": True}
    if kind == "Task":
        state["Resource"] = "echo"
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"v": "{% $states.input %}"}, "Next": "S"},
            "S": state,
        },
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind_field=st.sampled_from([("Pass", "Output"), ("Task", "Output"), ("Task", "Arguments")]),
    text=texts,
    nested=st.booleans(),
    data=json_values,
    seed=st.integers(0, 3),
)
def test_any_expression_ends_the_run_with_an_asl_outcome(kind_field, text, nested, data, seed):
    kind, field = kind_field
    definition = _machine(kind, field, text, nested)
    activities = {"echo": lambda value: value}
    if not _parses(text):
        try:
            run(definition, data, activities=activities)
        except DefinitionError as error:
            assert "does not parse" in str(error)
            return
        raise AssertionError("an expression that does not parse was accepted")
    result = run(definition, data, activities=activities, env=VirtualEnv(seed=seed))
    assert result.status in ("SUCCEEDED", "FAILED")
    if result.status == "FAILED":
        assert result.error in ("States.QueryEvaluationError", "States.DataLimitExceeded")
        assert isinstance(result.cause, str)
        assert result.cause.startswith("An error occurred while executing the state 'S'")
