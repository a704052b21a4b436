"""JSONata expressions and templates: what is an expression, bindings, results, AWS's messages."""

import pytest

from engine.errors import AslError, ExpressionError, QueryEvaluationError
from engine.language.jsonata import compile_expression, compile_value, is_expression, json_type
from engine.language.scope import Scope

SCOPE = Scope(context={"Execution": {"Id": "exec-1"}}, random=lambda: 0.25, uuid=lambda: "id-1")
INPUT = {"value": 25, "items": [1, 2, 3], "name": "Ann", "nothing": None}


def evaluate(text, states=None, variables=None, **options):
    states = {"input": INPUT} if states is None else states
    return compile_expression(text).evaluate(states, variables or {}, SCOPE, **options)


def render(value, field="Output", states=None, variables=None, **options):
    states = {"input": INPUT} if states is None else states
    return compile_value(value, field).evaluate(states, variables or {}, SCOPE, **options)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{% 1 %}", True),
        ("{%1%}", True),
        ("{%%}", True),
        (" {% 1 %}", False),
        ("{% 1 %} ", False),
        ("{% 1", False),
        ("{%}", False),
        ("$states.input", False),
        (1, False),
        (None, False),
    ],
)
def test_an_expression_is_exactly_a_string_from_open_to_close(value, expected):
    assert is_expression(value) is expected


def _counting_scope() -> tuple[Scope, list[int]]:
    built: list[int] = []

    def build() -> dict:
        built.append(1)
        return {"Execution": {"Id": "lazy-1"}}

    return Scope(build_context=build), built


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{% $states.context.Execution.Id %}", "lazy-1"),
        ("{% $states . context . Execution.Id %}", "lazy-1"),
        ("{% $lookup($states, 'context').Execution.Id %}", "lazy-1"),
        ("{% ($s := $states; $s.context.Execution.Id) %}", "lazy-1"),
        ("{% $states.input.%.context.Execution.Id %}", "lazy-1"),
    ],
)
def test_states_context_is_the_scopes_for_every_way_to_reach_it(text, expected):
    scope, built = _counting_scope()
    assert compile_expression(text).evaluate({"input": INPUT}, {}, scope) == expected
    assert built == [1]


@pytest.mark.parametrize(
    "text", ["{% $states.input.value + 1 %}", "{% $states . input.name %}", "{% $states_x %}"]
)
def test_an_expression_that_cannot_reach_the_context_never_builds_it(text):
    scope, built = _counting_scope()
    compile_expression(text).evaluate({"input": INPUT}, {"states_x": 1}, scope)
    value = compile_value({"a": text, "b": "{% $states.input.name %}"}).evaluate(
        {"input": INPUT, "context": {"given": 1}}, {"states_x": 1}, scope
    )
    assert built == []
    assert value["b"] == "Ann"


def test_a_given_context_wins_over_the_scopes():
    scope, built = _counting_scope()
    states = {"input": INPUT, "context": {"Execution": {"Id": "given-1"}}}
    assert compile_expression("{% $states.context.Execution.Id %}").evaluate(states, {}, scope) == (
        "given-1"
    )
    assert built == []


def test_states_and_variables_are_bound():
    states = {"input": INPUT, "result": {"r": 1}, "context": SCOPE.context}
    variables = {"limit": 20, "who": {"name": "Bo"}}
    assert evaluate("{% $states.input.value > $limit %}", states, variables) is True
    assert evaluate("{% $states.result.r %}", states) == 1
    assert evaluate("{% $states.context.Execution.Id %}", states) == "exec-1"
    assert evaluate("{% $who.name %}", states, variables) == "Bo"


def test_a_variable_cannot_shadow_states():
    assert evaluate("{% $states.input.value %}", variables={"states": {"input": 0}}) == 25


def test_the_text_is_what_stands_between_the_delimiters_trimmed():
    expression = compile_expression("{%   $states.input  %}", "Output")
    assert expression.text == "$states.input"
    assert expression.location == "Output"


def test_integral_numbers_come_back_as_int_like_aws_prints_them():
    assert evaluate("{% 4 / 2 %}") == 2
    assert type(evaluate("{% 4 / 2 %}")) is int
    assert type(evaluate("{% $x %}", variables={"x": 2.0})) is int
    assert evaluate("{% 1 / 4 %}") == 0.25
    assert evaluate("{% $sum($states.input.items) + 1 %}") == 7


def test_singleton_sequences_and_arrays_keep_jsonata_semantics():
    variables = {"one": [{"a": 1}], "many": [{"a": 1}, {"a": 2}], "inner": {"a": [1]}}
    assert evaluate("{% $one.a %}", variables=variables) == 1
    assert evaluate("{% $one.a[] %}", variables=variables) == [1]
    assert evaluate("{% $many.a %}", variables=variables) == [1, 2]
    assert evaluate("{% $inner.a %}", variables=variables) == [1]
    assert evaluate("{% $states.input.items[$ > 1] %}") == [2, 3]


def test_null_is_a_value_and_undefined_is_not():
    assert evaluate("{% null %}") is None
    assert evaluate("{% $states.input.nothing %}") is None
    assert evaluate("{% $x %}", variables={"x": None}) is None
    assert evaluate("{% [1, $missing, null] %}") == [1, None]
    assert render({"a": "{% null %}"}) == {"a": None}


def test_undefined_result_fails_with_aws_message_and_location():
    with pytest.raises(QueryEvaluationError) as failure:
        render({"result": "{% $doesNotExist %}"})
    assert failure.value.error == "States.QueryEvaluationError"
    assert failure.value.location == "Output/result"
    assert failure.value.cause == (
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' "
        "returned nothing (undefined)."
    )


def test_evaluation_errors_carry_the_jsonata_code_and_message():
    with pytest.raises(QueryEvaluationError) as failure:
        render({"FunctionResult": "{% $randomSeeded($states.input.value) %}"})
    assert failure.value.cause == (
        "The JSONata expression '$randomSeeded($states.input.value)' specified for the field "
        "'Output/FunctionResult' threw an error during evaluation. "
        "T1006: Attempted to invoke a non-function"
    )


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("1 + 'a'", 'T2002: The right side of the "+" operator must evaluate to a number'),
        ("$sum('a')", 'T0412: Argument 1 of function "sum" must be an array of "numbers"'),
        ("$uppercase(1)", 'T0410: Argument 1 of function "uppercase" does not match function'),
        ("$error('stop')", "D3137: stop"),
        ("1 / 0", "D1001: Number out of range"),
        ("$eval('1')", "T1006: Attempted to invoke a non-function"),
    ],
)
def test_jsonata_errors(text, detail):
    with pytest.raises(QueryEvaluationError) as failure:
        render("{% " + text + " %}", "Output")
    assert f"threw an error during evaluation. {detail}" in failure.value.cause


def test_too_deep_expressions_and_results_fail_cleanly():
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_expression("{% " + "(" * 5000 + "1" + ")" * 5000 + " %}")
    with pytest.raises(QueryEvaluationError, match="nested too deeply"):
        evaluate("{% " + "[" * 999 + "]" * 999 + " %}")
    deep = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(QueryEvaluationError):
        evaluate("{% $states.input %}", {"input": deep})


def test_a_runaway_expression_fails_instead_of_hanging():
    with pytest.raises(QueryEvaluationError) as failure:
        evaluate("{% ($f := function($n) { $f($n + 1) }; $f(0)) %}")
    assert "threw an error during evaluation" in failure.value.cause


@pytest.mark.parametrize(
    ("text", "expected", "actual", "shown"),
    [
        ("{% 'string' %}", "array", "string", '"string"'),
        ("{% 1 %}", "array", "number", "1"),
        ("{% true %}", "array", "boolean", "true"),
        ('{% {"foo": "bar"} %}', "array", "object", '{"foo":"bar"}'),
        ("{% 1.5 %}", "integer", "number", "1.5"),
        ("{% [1] %}", "boolean", "array", "[1]"),
    ],
)
def test_expect_checks_the_result_type_with_aws_message(text, expected, actual, shown):
    with pytest.raises(QueryEvaluationError) as failure:
        render(text, "Items", expect=expected)
    inner = text[2:-2].strip()
    assert failure.value.cause == (
        f"The JSONata expression '{inner}' specified for the field 'Items' returned an "
        f"unexpected result type. Expected '{expected}', but was '{actual}' for value: {shown}"
    )


def test_expect_accepts_the_right_types():
    assert render("{% [] %}", "Items", expect="array") == []
    assert render("{% 3 %}", "MaxConcurrency", expect="integer") == 3
    assert render("{% 1 = 1 %}", "Condition", expect="boolean") is True


def test_templates_evaluate_strings_at_any_depth_and_keep_other_values():
    template = {
        "constant_not_jsonata": " {% states.input %} ",
        "constant_jp": "$.input_value",
        "keep.$": "$",
        "nested": [None, 0, 0.1, True, [], {"k": "{% $states.input.name %}"}],
        "expr": "{% $states.input.value * 2 %}",
    }
    assert render(template) == {
        "constant_not_jsonata": " {% states.input %} ",
        "constant_jp": "$.input_value",
        "keep.$": "$",
        "nested": [None, 0, 0.1, True, [], {"k": "Ann"}],
        "expr": 50,
    }


def test_template_results_are_fresh_values():
    template = compile_value({"a": [1, {"b": 2}]}, "Output")
    first = template.evaluate({"input": {}}, {}, SCOPE)
    first["a"][1]["b"] = 99
    assert template.evaluate({"input": {}}, {}, SCOPE) == {"a": [1, {"b": 2}]}


def test_template_lists_its_expressions_with_their_locations():
    template = compile_value({"a": "{% 1 %}", "b": [0, "{% 2 %}"], "c": "x"}, "Arguments")
    assert [e.location for e in template.expressions] == ["Arguments/a", "Arguments/b/1"]
    assert not template.is_expression
    assert compile_value("{% 1 %}", "Items").is_expression


def test_location_of_array_elements_and_a_field_less_value():
    with pytest.raises(QueryEvaluationError) as failure:
        render([1, "{% $nope %}"], "Items")
    assert failure.value.location == "Items/1"
    with pytest.raises(QueryEvaluationError) as failure:
        compile_value("{% $nope %}").evaluate({}, {}, SCOPE)
    assert failure.value.cause == "The JSONata expression '$nope' returned nothing (undefined)."


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% (1 %}", "Output: the JSONata expression '(1' does not parse: S0203: Expected \")\""),
        ("{% $x. %}", "Output: the JSONata expression '$x.' does not parse: S0207"),
        ("{%%}", "Output: the JSONata expression '' does not parse"),
        ("{% 'open %}", "S0101: String literal must be terminated by a matching quote"),
    ],
)
def test_syntax_errors_raise_expression_error_at_compile_time(source, message):
    with pytest.raises(ExpressionError) as failure:
        compile_expression(source, "Output")
    assert message in str(failure.value)


def test_syntax_errors_name_the_nested_place():
    with pytest.raises(ExpressionError) as failure:
        compile_value({"a": ["x", "{% 1 + %}"]}, "Arguments")
    assert str(failure.value).startswith("Arguments/a/1: the JSONata expression '1 +'")


def test_compile_expression_rejects_a_string_without_delimiters():
    with pytest.raises(ExpressionError) as failure:
        compile_expression("$states.input")
    assert "must start with '{%' and end with '%}'" in str(failure.value)


def test_query_evaluation_error_is_an_asl_error():
    with pytest.raises(AslError):
        evaluate("{% $nope %}")


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "null"),
        (True, "boolean"),
        (1, "number"),
        (1.5, "number"),
        ("s", "string"),
        ([], "array"),
        ({}, "object"),
    ],
)
def test_json_type_names(value, name):
    assert json_type(value) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{% $contains("hello$world", /^hello\\ /) %}', False),
        ("{% $contains('hello$world', /^hello\\$/) %}", True),
        ("{% $replace('hello', /l+/, 'L') %}", "heLo"),
        ("{% $match('abab', /a(b)/).groups %}", ["b", "b"]),
        ("{% $split('a1b22c', /[0-9]+/) %}", ["a", "b", "c"]),
        ("{% $map([1, 2, 3], function($v) { $v * 2 }) %}", [2, 4, 6]),
        ("{% $reduce([1, 2, 3], function($a, $b) { $a + $b }) %}", 6),
        ("{% $sort([3, 1, 2], function($a, $b) { $a < $b }) %}", [3, 2, 1]),
        ("{% ($f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f(5)) %}", 120),
        ("{% $string(0.1 + 0.2) %}", "0.3"),
        ("{% $string(1) %}", "1"),
        ('{% $string({"a": 1.0}) %}', '{"a":1}'),
        ("{% $round(2.5) %}", 2),
        ("{% $number('2') %}", 2),
        ("{% $variable := 1 %}", 1),
        ("{% $fromMillis(0) %}", "1970-01-01T00:00:00.000Z"),
        ("{% $keys({'b': 1, 'a': 2}) %}", ["b", "a"]),
        ("{% $states.input.items ~> $map(function($v) { $v + 1 }) %}", [2, 3, 4]),
    ],
)
def test_jsonata_language_features(text, expected):
    assert evaluate(text) == expected
