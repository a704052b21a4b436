"""JSONPath selection with AWS's (Jayway's) semantics and error causes."""

import pytest

from engine.errors import AslError, ExpressionError
from engine.language.jsonpath import PathNotFound, compile_path, is_context_path, is_path
from engine.language.scope import Scope

DATA = {
    "a": {"b": [10, 20, {"c": "deep"}], "n": None, "s": "text", "x-y": 1},
    "items": [{"v": 1, "k": "p"}, {"v": 5, "k": "q"}, {"k": "r"}],
    "name with blank": 7,
}
SCOPE = Scope(
    context={"Execution": {"Id": "arn:1"}, "Map": {"Item": {"Index": 2}}},
    variables={"var": {"list": [1, 2]}, "n": 3},
)


def select(text, data=DATA, scope=SCOPE):
    return compile_path(text).select(data, scope)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("$", DATA),
        ("$.a.s", "text"),
        ("$.a.b[0]", 10),
        ("$.a.b[-1].c", "deep"),
        ("$['a']['b'][1]", 20),
        ('$["a"].s', "text"),
        ("$.a.x-y", 1),
        ("$['name with blank']", 7),
        ("$.a.n", None),
        ("$$.Execution.Id", "arn:1"),
        ("$$.Map.Item.Index", 2),
        ("$var.list[1]", 2),
        ("$n", 3),
    ],
)
def test_definite_paths_return_the_value(text, expected):
    assert select(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("$.items[*].v", [1, 5]),
        ("$.items[*].zz", []),
        ("$.items[0:2].k", ["p", "q"]),
        ("$.items[1:].k", ["q", "r"]),
        ("$.items[-1:].k", ["r"]),
        ("$.items[::2].k", ["p", "r"]),
        ("$.items[0,2].k", ["p", "r"]),
        ("$.items[?(@.v > 2)].k", ["q"]),
        ("$.items[?(@.k == 'r')]", [{"k": "r"}]),
        ("$..c", ["deep"]),
        ("$..v", [1, 5]),
        ("$.a.*", [DATA["a"]["b"], None, "text", 1]),
        ("$.items[*]['v','k']", [{"v": 1, "k": "p"}, {"v": 5, "k": "q"}, {"k": "r"}]),
        ("$['items','a'][0]", [DATA["items"][0]]),
        ("$.zz[*]", []),
    ],
)
def test_indefinite_paths_return_a_list(text, expected):
    assert select(text) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("$.missing", "No results for path: $['missing']"),
        ("$.a.missing", "No results for path: $['a']['missing']"),
        ("$.no.such.path", "Missing property in path $['no']"),
        ("$.a.b[7]", "No results for path: $['a']['b'][7]"),
        ("$.a.n[0]", "The path $['a']['n'] is null"),
    ],
)
def test_missing_definite_path_raises_aws_cause(text, reason):
    with pytest.raises(PathNotFound) as raised:
        select(text)
    assert raised.value.error == "States.Runtime"
    assert raised.value.reason == reason
    assert raised.value.cause == f"Invalid path '{text}' : {reason}"


def test_property_of_a_non_object_names_the_place():
    with pytest.raises(PathNotFound) as raised:
        select("$.a.s.deeper")
    assert raised.value.reason.startswith(
        "Expected to find an object with property ['deeper'] in path $['a']['s']"
    )


def test_index_of_an_object_is_a_runtime_error():
    with pytest.raises(PathNotFound) as raised:
        select("$.a[0]")
    assert raised.value.reason.startswith("Filter: [0] can only be applied to arrays.")


def test_undefined_variable_is_a_runtime_error():
    with pytest.raises(AslError) as raised:
        select("$nothing.here")
    assert raised.value.error == "States.Runtime"
    assert "nothing" in raised.value.cause


def test_root_kinds_and_text():
    path = compile_path("$$.Execution.Id")
    assert (path.root, path.text, path.definite) == ("context", "$$.Execution.Id", True)
    assert compile_path("$var.x").variable == "var"
    assert compile_path("$.x[*]").definite is False
    assert is_path("$.x") and not is_path("x") and not is_path(3)
    assert is_context_path("$$.x") and not is_context_path("$.x")


def test_a_scope_builds_its_context_once_and_only_when_a_path_reads_it():
    built = []

    def build() -> dict:
        built.append(1)
        return {"State": {"Name": "S"}}

    scope = Scope(variables={"v": 1}, build_context=build)
    assert compile_path("$.a.b[0]").select(DATA, scope) == 10
    assert compile_path("$v").select(DATA, scope) == 1
    assert built == []
    assert compile_path("$$.State.Name").select(DATA, scope) == "S"
    assert compile_path("$$.State").select(DATA, scope) == {"Name": "S"}
    assert built == [1]


def test_exists_never_raises():
    assert compile_path("$.a.b[2].c").exists(DATA, SCOPE)
    assert not compile_path("$.a.b[9]").exists(DATA, SCOPE)
    assert not compile_path("$.no.such").exists(DATA, SCOPE)
    assert not compile_path("$undefined").exists(DATA, SCOPE)
    assert not compile_path("$.items[*].zz").exists(DATA, SCOPE)
    assert compile_path("$.a.n").exists(DATA, SCOPE)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a.b",
        "$.",
        "$..",
        "$.a b",
        "$[",
        "$['a'",
        "$[abc]",
        "$[1:2:0]",
        "$[?(@.a >)]",
        "$x!",
    ],
)
def test_bad_syntax_is_an_expression_error(text):
    with pytest.raises(ExpressionError):
        compile_path(text)


def test_selection_does_not_copy_or_mutate():
    data = {"a": {"b": [1]}}
    assert select("$.a", data) is data["a"]
    assert data == {"a": {"b": [1]}}


@pytest.mark.parametrize("text", ["$.a.s[0]", "$.a.b.c", "$.a.b[-4]", "$.a.b[0][0]", "$.a['b'].x"])
def test_fast_walk_falls_back_to_aws_errors(text):
    with pytest.raises(PathNotFound):
        select(text)


@pytest.mark.parametrize("text", ["$.a.b.length()", "$.items.sum()", "$..v.max()"])
def test_path_functions_compile_but_select_nothing_as_aws(text):
    path = compile_path(text)
    with pytest.raises(PathNotFound) as raised:
        path.select(DATA, SCOPE)
    assert raised.value.error == "States.Runtime"
    assert not path.exists(DATA, SCOPE)


@pytest.mark.parametrize("text", ["$.a.length(", "$.a.length().b", "$.a.length()[0]"])
def test_path_functions_must_end_the_path(text):
    with pytest.raises(ExpressionError):
        compile_path(text)


def test_several_properties_at_the_end_merge_into_one_object_as_jayway():
    path = compile_path("$.a['s','x-y','missing']")
    assert path.definite
    assert path.select(DATA, SCOPE) == {"s": "text", "x-y": 1}
    with pytest.raises(PathNotFound):
        compile_path("$.a.s['p','q']").select(DATA, SCOPE)
