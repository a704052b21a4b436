"""Payload templates: `.$` fields with paths, context paths, variables and intrinsic calls."""

import pytest

from engine.errors import AslError, ExpressionError
from engine.language.scope import Scope
from engine.language.template import compile_template

SCOPE = Scope(
    context={"Execution": {"Input": {"in": 1}}, "Map": {"Item": {"Value": "v"}}},
    variables={"bucket": "b-1"},
    random=lambda: 0.25,
    uuid=lambda: "uuid-1",
)


def render(template, data=None):
    return compile_template(template).render(data, SCOPE)


def test_constants_are_copied_and_dollar_keys_evaluated():
    template = {
        "literal": "$.not.a.path",
        "number": 1,
        "float": 1.0,
        "value.$": "$.x",
        "context.$": "$$.Map.Item.Value",
        "variable.$": "$bucket",
        "call.$": "States.Format('{}-{}', $.x, $bucket)",
        "nested": {"deep.$": "$.y[0]", "list": [1, {"in.$": "$.x"}, "$.x"]},
    }
    out = render(template, {"x": "X", "y": [7]})
    assert out == {
        "literal": "$.not.a.path",
        "number": 1,
        "float": 1.0,
        "value": "X",
        "context": "v",
        "variable": "b-1",
        "call": "X-b-1",
        "nested": {"deep": 7, "list": [1, {"in": "X"}, "$.x"]},
    }
    assert isinstance(out["float"], float) and isinstance(out["number"], int)


def test_indefinite_path_gives_a_list():
    assert render({"all.$": "$.l[*].a"}, {"l": [{"a": 1}, {"a": 2}]}) == {"all": [1, 2]}


def test_top_level_array_and_scalar_templates():
    assert render([{"a.$": "$"}], 5) == [{"a": 5}]
    assert render("plain", 5) == "plain"


def test_missing_path_names_the_field_and_the_input():
    with pytest.raises(AslError) as raised:
        render({"value.$": "$$.Execution.Input.no_such_jsonpath"}, {"int-literal": 0})
    assert raised.value.error == "States.Runtime"
    assert raised.value.cause == (
        "The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' "
        "could not be found in the input '{\"int-literal\":0}'"
    )


def test_missing_path_inside_a_call_names_the_field():
    with pytest.raises(AslError) as raised:
        render({"v.$": "States.Format('{}', $.nope)"}, {"other": 1})
    assert raised.value.cause == (
        "The JSONPath '$.nope' specified for the field 'v.$' "
        "could not be found in the input '{\"other\":1}'"
    )


def test_intrinsic_failure_passes_through():
    with pytest.raises(AslError) as raised:
        render({"v.$": "States.ArrayPartition($.a, 0)"}, {"a": [1]})
    assert raised.value.error == "States.IntrinsicFailure"


@pytest.mark.parametrize(
    "template",
    [
        {"a.$": 1},
        {"a.$": None},
        {"a.$": "plain"},
        {"a.$": "$.x y"},
        {"a.$": "States.Nope()"},
        {"outer": {"a.$": "States.Format("}},
        [{"a.$": "$["}],
    ],
)
def test_bad_templates_fail_at_compile_time(template):
    with pytest.raises(ExpressionError):
        compile_template(template)


def test_render_never_mutates_data_or_template():
    data = {"x": {"k": 1}}
    template = {"a.$": "$.x", "b": {"c": 1}}
    out = render(template, data)
    assert data == {"x": {"k": 1}} and template == {"a.$": "$.x", "b": {"c": 1}}
    assert out == {"a": {"k": 1}, "b": {"c": 1}}


def test_path_function_fails_like_aws_at_run_time():
    template = compile_template({"Jobs.$": "$.Jobs.sum()"})
    with pytest.raises(AslError) as raised:
        template.render({"Jobs": [0, 1]}, SCOPE)
    assert raised.value.cause == (
        "The JSONPath '$.Jobs.sum()' specified for the field 'Jobs.$' "
        "could not be found in the input '{\"Jobs\":[0,1]}'"
    )
