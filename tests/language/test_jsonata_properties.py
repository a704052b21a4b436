"""Property tests: whatever the expression and the data, compiling raises nothing but
ExpressionError, evaluating nothing but an ASL error, and every result is plain JSON."""

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import AslError, ExpressionError
from engine.language.jsonata import compile_expression, compile_value
from engine.language.scope import Scope

SCOPE = Scope(context={"Execution": {"Id": "e"}}, random=lambda: 0.5, uuid=lambda: "u")
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

keys = st.sampled_from(["a", "b", "items", "value", "name", "x"])
scalars = st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.text(max_size=8)
scalars |= st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)

FUNCTIONS = [
    "$partition", "$range", "$hash", "$parse", "$random", "$uuid", "$eval", "$sum", "$count",
    "$string", "$number", "$keys", "$lookup", "$map", "$filter", "$sort", "$substring",
    "$uppercase", "$join", "$split", "$replace", "$match", "$contains", "$exists", "$type",
    "$round", "$power", "$formatNumber", "$fromMillis", "$toMillis", "$merge", "$append",
    "$distinct", "$error", "$assert", "$nosuch", "$boolean", "$not", "$pad", "$zip",
]  # fmt: skip
OPERATORS = ["+", "-", "*", "/", "%", "&", "=", "!=", "<", ">=", "and", "or", "in", "..", "~>"]

atoms = st.one_of(
    st.integers(-5, 20).map(str),
    st.floats(-1e3, 1e3, allow_nan=False).map(repr),
    st.text(alphabet="ab$'\" {}%\\", max_size=5).map(lambda s: "'" + s.replace("'", "") + "'"),
    st.sampled_from(["null", "true", "false", "[]", "{}", "$", "$$", "$v", "$nothing"]),
    st.sampled_from(["$states.input", "$states.context", "$states.result", "/a+/i"]),
    keys.map(lambda k: f"$states.input.{k}"),
    st.sampled_from(["'MD5'", "'SHA-256'", "'[1,2]'", "'{'", "'null'"]),
)


def compose(inner):
    calls = st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, max_size=3)).map(
        lambda f: f"{f[0]}({', '.join(f[1])})"
    )
    binary = st.tuples(inner, st.sampled_from(OPERATORS), inner).map(" ".join)
    return st.one_of(
        calls,
        binary,
        inner.map(lambda e: f"[{e}]"),
        st.tuples(keys, inner).map(lambda kv: f'{{"{kv[0]}": {kv[1]}}}'),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        inner.map(lambda e: f"function($v) {{ {e} }}"),
        st.tuples(inner, inner).map(lambda t: f"($v := {t[0]}; {t[1]})"),
        st.tuples(inner, keys).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
    )


expressions = st.recursive(atoms, compose, max_leaves=8)
noise = st.text(alphabet="$.()[]{}:;,'\"?/\\*%&=<>!~^#@|0123456789abcdefxyz ", max_size=30)


def is_plain_json(value):
    if value is None or isinstance(value, bool | str | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(is_plain_json(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain_json(v) for k, v in value.items())
    return False


def check(source, data, variables, location="Output"):
    try:
        expression = compile_expression(source, location)
    except ExpressionError as error:
        assert str(error)
        return
    try:
        result = expression.evaluate({"input": data, "context": {}}, variables, SCOPE)
    except AslError as error:
        assert error.error == "States.QueryEvaluationError"
        assert error.cause
        return
    assert is_plain_json(result)


@SETTINGS
@given(expressions, json_values, st.dictionaries(st.sampled_from(["v", "w"]), json_values))
def test_generated_expressions_fail_only_with_asl_errors(text, data, variables):
    check("{% " + text + " %}", data, variables)


@SETTINGS
@given(noise, json_values)
def test_arbitrary_text_fails_only_with_expression_or_asl_errors(text, data):
    check("{%" + text + "%}", data, {})


@SETTINGS
@given(
    st.recursive(
        scalars | expressions.map(lambda e: "{% " + e + " %}"),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=6,
    ),
    json_values,
)
def test_templates_fail_only_with_expression_or_asl_errors(value, data):
    try:
        template = compile_value(value, "Arguments")
    except ExpressionError:
        return
    try:
        result = template.evaluate({"input": data}, {}, SCOPE)
    except AslError as error:
        assert error.error == "States.QueryEvaluationError"
        return
    assert is_plain_json(result)
