"""Property tests: whatever the text or data, the language layer raises only ASL errors.

Random paths, intrinsic calls, templates and Choice rules either compile or raise
ExpressionError; compiled ones evaluated on random JSON either return JSON or raise AslError.
"""

import contextlib
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import AslError, ExpressionError
from engine.language.choice import compile_rule
from engine.language.intrinsic_registry import REGISTRY
from engine.language.intrinsics import compile_call
from engine.language.jsonpath import compile_path
from engine.language.reference import compile_reference_path
from engine.language.scope import Scope
from engine.language.template import compile_template

SCOPE = Scope(
    context={"Execution": {"Id": "x", "Input": {"a": 1}}},
    variables={"v": [1, {"a": "b"}], "w": "text"},
    random=lambda: 0.999,
    uuid=lambda: "u",
)
NAMES = st.sampled_from(["a", "b", "items", "x-y", "0", "k k", "'", ""])
SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-5, 5, allow_nan=False)
JSON = st.recursive(
    SCALARS | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=12,
)
PATH_PIECES = st.sampled_from(
    [
        ".a",
        ".b",
        ".items",
        "[0]",
        "[-1]",
        "[1:]",
        "[*]",
        ".*",
        "..a",
        "['x-y']",
        "['k k']",
        "[?(@.a > 1)]",
        "[?(@ == 'x')]",
        "[0,1]",
        "['a','b']",
        "[",
        "]",
        ".",
        "..",
        "(",
        ")",
        "'",
        '"',
        "$",
        "@",
        ",",
        " ",
        "\\",
        "[::2]",
        "[?(@.a)]",
        "[abc]",
        "length()",
    ]
)
PATH_TEXT = st.builds(
    lambda root, pieces: root + "".join(pieces),
    st.sampled_from(["$", "$$", "$v", "$w", "$nope", "", "x"]),
    st.lists(PATH_PIECES, max_size=6),
)
CALL_PIECES = st.sampled_from(
    [
        "States.Format(",
        "States.Array(",
        "States.ArrayPartition(",
        "States.MathAdd(",
        "States.StringSplit(",
        "States.JsonMerge(",
        "States.Hash(",
        "States.ArrayRange(",
        "States.ArrayGetItem(",
        "States.StringToJson(",
        "States.Base64Decode(",
        "States.UUID(",
        "States.MathRandom(",
        "States.ArrayUnique(",
        "States.Nope(",
        ")",
        ",",
        " ",
        "'",
        "'{}'",
        "'a\\'b'",
        "'\\{'",
        "'\\q'",
        "1",
        "-2",
        "2.5",
        "1e3",
        "true",
        "false",
        "null",
        "$.a",
        "$$.Execution.Id",
        "$v",
        "$.items[*]",
        "'SHA-1'",
        "'MD5'",
        "0",
        "$",
        "\\",
        "{",
        "}",
    ]
)
GOOD_PATHS = st.sampled_from(
    ["$", "$.a", "$.b", "$.a.b", "$.a[0]", "$v", "$w", "$$.Execution.Id", "$.a[*]", "$.nope"]
)
LITERAL_ARGS = st.sampled_from(
    [
        "'{}'",
        "'{} {}'",
        "'a,b'",
        "','",
        "'SHA-1'",
        "'MD5'",
        "'e30='",
        "'[1]'",
        "''",
        "1",
        "0",
        "-3",
        "2.5",
        "true",
        "false",
        "null",
    ]
)
ARGUMENTS = st.recursive(
    LITERAL_ARGS | GOOD_PATHS,
    lambda inner: st.builds(
        lambda name, args: f"{name}({', '.join(args)})",
        st.sampled_from(sorted(REGISTRY)),
        st.lists(inner, max_size=3),
    ),
    max_leaves=6,
)
WELL_FORMED_CALLS = st.builds(
    lambda name, args: f"{name}({', '.join(args)})",
    st.sampled_from(sorted(REGISTRY)),
    st.lists(ARGUMENTS, max_size=3),
)
CALL_TEXT = st.one_of(
    WELL_FORMED_CALLS, st.lists(CALL_PIECES, min_size=1, max_size=10).map("".join)
)
RELAXED = settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])


def _only_asl_errors(evaluate):
    try:
        result = evaluate()
    except AslError:
        return
    json.dumps(result)


@RELAXED
@given(PATH_TEXT, JSON)
def test_paths_raise_only_asl_errors(text, data):
    try:
        path = compile_path(text)
    except ExpressionError:
        return
    _only_asl_errors(lambda: path.select(data, SCOPE))
    assert path.exists(data, SCOPE) in (True, False)


@RELAXED
@given(PATH_TEXT, JSON, JSON)
def test_reference_paths_raise_only_asl_errors(text, data, value):
    try:
        reference = compile_reference_path(text)
    except ExpressionError:
        return
    before = json.dumps(data)
    _only_asl_errors(lambda: reference.apply(data, value))
    assert json.dumps(data) == before


@RELAXED
@given(st.one_of(CALL_TEXT, st.text(max_size=30).map(lambda t: "States." + t)), JSON)
def test_intrinsic_calls_raise_only_asl_errors(text, data):
    try:
        call = compile_call(text)
    except ExpressionError:
        return
    _only_asl_errors(lambda: call.evaluate({"a": data, "items": [data]}, SCOPE))


def _escape(text):
    return "".join("\\" + char if char in "\\'{}" else char for char in text)


@given(st.text())
def test_any_string_survives_quoting(text):
    assert compile_call(f"States.Array('{_escape(text)}')").evaluate(None, SCOPE) == [text]
    assert compile_call(f"States.Format('{_escape(text)}')").evaluate(None, SCOPE) == text


@given(JSON)
def test_json_to_string_and_back_is_identity(data):
    call = compile_call("States.StringToJson(States.JsonToString($))")
    assert json.dumps(call.evaluate(data, SCOPE)) == json.dumps(data)


def _locations(data, prefix=()):
    yield prefix, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _locations(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _locations(value, (*prefix, index))


def _path_text(steps):
    quoted = (f"['{s}']" if "'" not in s else f'["{s}"]' for s in steps if isinstance(s, str))
    parts, names = [], iter(quoted)
    for step in steps:
        parts.append(f"[{step}]" if isinstance(step, int) else next(names))
    return "$" + "".join(parts)


@given(JSON, st.data())
def test_definite_paths_find_what_is_there_and_result_path_puts_it_back(data, draw):
    location, value = draw.draw(st.sampled_from(list(_locations(data))))
    text = _path_text(location)
    assert json.dumps(compile_path(text).select(data, SCOPE)) == json.dumps(value)
    placed = compile_reference_path(text).apply(data, "new")
    assert compile_path(text).select(placed, SCOPE) == "new"


TEMPLATE_VALUES = st.one_of(PATH_TEXT, CALL_TEXT, SCALARS)
TEMPLATES = st.recursive(
    st.dictionaries(st.sampled_from(["a", "b.$", "c.$", "d"]), TEMPLATE_VALUES, max_size=3),
    lambda inner: (
        st.dictionaries(st.sampled_from(["n", "m.$"]), inner, max_size=2)
        | st.lists(inner, max_size=2)
    ),
    max_leaves=6,
)


@RELAXED
@given(TEMPLATES, JSON)
def test_templates_raise_only_asl_errors(template, data):
    try:
        compiled = compile_template(template)
    except ExpressionError:
        return
    _only_asl_errors(lambda: compiled.render({"a": data}, SCOPE))


TIMESTAMPS = st.sampled_from(["2020-01-01T00:00:00Z", "2020-01-01T00:00:00.5+01:00", "nope"])
OPERANDS = {
    "String": st.text(max_size=3),
    "Numeric": st.integers(-3, 3) | st.floats(-3, 3, allow_nan=False),
    "Boolean": st.booleans(),
    "Timestamp": TIMESTAMPS,
}
COMPARISON = st.one_of(
    *(
        st.tuples(
            st.sampled_from([f"{kind}{op}" for op in ("Equals", "LessThan", "GreaterThan")]),
            operand,
        )
        for kind, operand in OPERANDS.items()
        if kind != "Boolean"
    ),
    st.tuples(st.just("BooleanEquals"), st.booleans()),
    st.tuples(st.just("StringMatches"), st.sampled_from(["*", "a*", "\\*", "*\\\\"])),
    st.tuples(
        st.sampled_from(
            ["IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"]
        ),
        st.booleans(),
    ),
    st.tuples(
        st.sampled_from(
            ["StringEqualsPath", "NumericLessThanPath", "TimestampEqualsPath", "BooleanEqualsPath"]
        ),
        GOOD_PATHS,
    ),
    st.tuples(st.sampled_from(["Bogus", "StringMatchesPath", "NumericEquals"]), JSON | PATH_TEXT),
)
LEAF_RULES = st.builds(
    lambda variable, comparison: {"Variable": variable, comparison[0]: comparison[1], "Next": "N"},
    GOOD_PATHS | PATH_TEXT,
    COMPARISON,
)
RULES = st.recursive(
    LEAF_RULES,
    lambda inner: (
        st.builds(lambda rules: {"And": rules}, st.lists(inner, max_size=3))
        | st.builds(lambda rules: {"Or": rules}, st.lists(inner, max_size=3))
        | st.builds(lambda rule: {"Not": rule}, inner)
    ),
    max_leaves=5,
)


@RELAXED
@given(RULES, JSON)
def test_choice_rules_raise_only_asl_errors(rule, data):
    try:
        compiled = compile_rule(rule)
    except ExpressionError:
        return
    with contextlib.suppress(AslError):
        assert compiled.matches({"a": data, "b": [data]}, SCOPE) in (True, False)


def _deep(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def test_deep_nesting_is_refused_or_reported_never_a_crash():
    deep = _deep(5000)
    for text in ("States.JsonToString($)", "States.ArrayUnique(States.Array($, $))"):
        try:
            compile_call(text).evaluate(deep, SCOPE)
        except AslError as error:
            assert error.error == "States.IntrinsicFailure"
    try:
        compile_path("$..a").select(deep, SCOPE)
    except AslError as error:
        assert error.error == "States.Runtime"
    for text in (
        "States.Array(" * 500 + ")" * 500,
        "$[?(" + "(" * 500 + "@.a" + ")" * 500 + ")]",
        "$" + "[?(@" * 500 + ")]" * 500,
    ):
        try:
            (compile_call if text.startswith("States") else compile_path)(text)
        except ExpressionError:
            continue
        raise AssertionError(f"{text[:20]}... compiled")


def test_ten_nested_calls_are_allowed():
    assert compile_call("States.Array(" * 10 + ")" * 10).evaluate(None, SCOPE) == _deep(9)
