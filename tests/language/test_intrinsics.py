"""Intrinsic functions: parsing, load-time checks, each function and its failures."""

import hashlib

import pytest

from engine.errors import AslError, ExpressionError
from engine.language.intrinsics import compile_call
from engine.language.scope import Scope

DATA = {
    "s": "hello",
    "n": 3,
    "f": 2.5,
    "list": [1, 2, 2, "a", "a", 1.0, True],
    "obj": {"k": 1},
    "mixed": [1, "two", {"a": [], "b": None}],
}
SCOPE = Scope(
    context={"Execution": {"Name": "exec"}},
    variables={"greeting": "hi"},
    random=lambda: 0.5,
    uuid=lambda: "00000000-0000-4000-8000-000000000000",
)


def call(text, data=DATA):
    return compile_call(text).evaluate(data, SCOPE)


def fails(text, data=DATA, error="States.IntrinsicFailure"):
    with pytest.raises(AslError) as raised:
        call(text, data)
    assert raised.value.error == error
    return raised.value.cause


@pytest.mark.parametrize(
    "text, expected",
    [
        ("States.Format('{} and {}', $.s, $.n)", "hello and 3"),
        ("States.Format('{}', $.f)", "2.5"),
        # Objects and arrays as AWS prints them (Java's toString), not as JSON.
        ("States.Format('{} {} {}', null, true, $.obj)", "null true {k=1}"),
        ("States.Format('{}|{}', $.mixed, 1.5)", "[1, two, {a=[], b=null}]|1.5"),
        ("States.Format('no placeholders')", "no placeholders"),
        ("States.Format('it\\'s \\{literal\\} {}', $greeting)", "it's {literal} hi"),
        ("States.Format('back\\\\slash {}', $$.Execution.Name)", "back\\slash exec"),
        ("States.Format('{}', States.Format('<{}>', $.s))", "<hello>"),
        ("States.StringToJson('{\"a\": [1, 2.0]}')", {"a": [1, 2.0]}),
        ("States.StringToJson('')", None),
        ("States.JsonToString($.obj)", '{"k":1}'),
        ("States.JsonToString($.f)", "2.5"),
        ("States.Array()", []),
        ("States.Array(1, 'two', $.n, null, -1.5e2)", [1, "two", 3, None, -150.0]),
        ("States.ArrayPartition(States.ArrayRange(1, 5, 1), 2)", [[1, 2], [3, 4], [5]]),
        ("States.ArrayContains($.list, 'a')", True),
        ("States.ArrayContains($.list, 3)", False),
        ("States.ArrayContains(States.Array(1), true)", False),
        ("States.ArrayRange(0, 9, 3)", [0, 3, 6, 9]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayRange(1, 0, 1)", []),
        ("States.ArrayGetItem($.list, 3)", "a"),
        ("States.ArrayLength($.list)", 7),
        ("States.ArrayUnique($.list)", [1, 2, "a", 1.0, True]),
        ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
        ("States.Hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ("States.Hash($.s, 'MD5')", hashlib.md5(b"hello").hexdigest()),
        ("States.Hash($.s, 'SHA-256')", hashlib.sha256(b"hello").hexdigest()),
        ("States.JsonMerge($.obj, States.StringToJson('{\"k\":2}'), false)", {"k": 2}),
        ("States.MathAdd($.n, -1)", 2),
        ("States.MathAdd(1.49, 1.5)", 3),
        ("States.MathAdd(-2.5, 0)", -2),
        ("States.MathRandom(10, 20)", 15),
        ("States.StringSplit('a,b;;c', ',;')", ["a", "b", "c"]),
        ("States.StringSplit('', ',')", []),
        ("States.UUID()", "00000000-0000-4000-8000-000000000000"),
        ("  States.ArrayLength( States.Array( 1 , 2 ) )  ", 2),
    ],
)
def test_functions(text, expected):
    result = call(text)
    assert result == expected
    assert type(result) is type(expected)


def test_math_add_keeps_integers():
    assert isinstance(call("States.MathAdd(1, 2)"), int)


def test_math_random_with_a_seed_is_deterministic_and_in_range():
    values = [call(f"States.MathRandom(1, 100, {seed})") for seed in range(50)]
    assert values == [call(f"States.MathRandom(1, 100, {seed})") for seed in range(50)]
    assert all(1 <= value < 100 for value in values)
    assert len(set(values)) > 10


@pytest.mark.parametrize(
    "text, words",
    [
        ("States.Format('{} {}', 1)", "placeholder"),
        ("States.StringToJson('{nope')", "not valid JSON"),
        ("States.ArrayPartition($.list, 0)", "positive"),
        ("States.ArrayPartition($.s, 1)", "first argument of States.ArrayPartition"),
        ("States.ArrayPartition($.list, 1.5)", "second argument"),
        ("States.ArrayRange(0, 10, 0)", "step"),
        ("States.ArrayRange(0, 5000, 1)", "1000"),
        ("States.ArrayGetItem($.list, 7)", "out of bounds"),
        ("States.ArrayLength($.obj)", "must be an array"),
        ("States.Base64Decode('!!!')", "Base64"),
        ("States.Hash($.s, 'SHA-3')", "not supported"),
        ("States.JsonMerge($.obj, $.obj, true)", "deep"),
        ("States.JsonMerge($.obj, $.list, false)", "JSON object"),
        ("States.MathAdd($.s, 1)", "must be a number"),
        ("States.MathAdd(true, 1)", "must be a number"),
        ("States.MathRandom(5, 5)", "greater"),
        ("States.StringSplit($.n, ',')", "must be a string"),
    ],
)
def test_bad_values_are_intrinsic_failures(text, words):
    assert words in fails(text)


def test_string_length_limit():
    assert "10000" in fails("States.Base64Encode($.big)", {"big": "x" * 10_001})


def test_missing_path_argument_is_runtime():
    fails("States.ArrayLength($.nope)", error="States.Runtime")


@pytest.mark.parametrize(
    "text",
    [
        "States.Format",
        "States.Format(",
        "States.Format('unterminated)",
        "States.Array(1,)",
        "States.Array(1 2)",
        "States.Array(1) trailing",
        "States.Unknown()",
        "States.UUID(1)",
        "States.ArrayLength()",
        "States.ArrayPartition($.a)",
        "States.MathRandom(1, 2, 3, 4)",
        "States.Array($.a b)",
        "States.Array(@)",
        "Format('x')",
        "States.Array(States.Nope())",
    ],
)
def test_bad_calls_fail_at_load(text):
    with pytest.raises(ExpressionError):
        compile_call(text)


def test_paths_with_commas_and_parentheses_inside_brackets():
    data = {"a,b": [{"x": 1}, {"x": 5}]}
    assert call("States.Array($['a,b'][?(@.x > 2)].x)", data) == [[5]]


def test_other_backslashes_are_kept_literally():
    assert call('States.StringToJson(\'{"t":"a \\"q\\" b"}\')') == {"t": 'a "q" b'}
    assert call("States.Format('C:\\dir {} \\n', 'x')") == "C:\\dir x \\n"
    assert call("States.Array('tab\\t')") == ["tab\\t"]


def test_format_keeps_any_character_of_the_template():
    assert call("States.Format('\ue000{}\ue001 \\{\\}', 1)") == "\ue0001\ue001 {}"
