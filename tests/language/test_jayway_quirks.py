"""Path forms that deployed definitions use and AWS accepts, evaluated as Jayway (AWS's JSONPath
engine) evaluates them.

Sources: the AWS Step Functions developer guide ("Using JSONPath paths": paths are Jayway
JsonPath, filters `[?(...)]`, `[*]` and unions are allowed in InputPath, Parameters and
ResultSelector), and Jayway's PathCompiler, whose readDotToken reads `.` followed by `[` as the
bracket alone, so `$.[0]` is `$[0]`, `$.['a']` is `$['a']`, and `$.[?(...)]` is `$[?(...)]`.
Jayway's FilterCompiler reads a bare word operand as a number literal and fails to compile the
filter: AWS still creates such a machine, so sfn accepts it with a warning and every evaluation
fails with States.Runtime, as the compile failure does on AWS.
"""

import pytest

from engine.errors import AslError, ExpressionError
from engine.language.jsonpath import compile_path
from engine.language.scope import Scope

SCOPE = Scope(context={}, variables={})
ACCOUNTS = [{"OU": 2, "a": 1, "b": 2, "c": 3}, {"OU": 0, "a": 5, "c": 6}, {"OU": 7, "b": 8}]


def select(text, data):
    return compile_path(text).select(data, SCOPE)


def test_dot_before_an_index_is_the_index_alone() -> None:
    assert select("$.[0]", ACCOUNTS) == ACCOUNTS[0]
    assert select("$.[0]", ACCOUNTS) == select("$[0]", ACCOUNTS)
    assert compile_path("$.[0]").definite


def test_dot_before_a_bracket_deeper_in_the_path() -> None:
    data = {"items": ACCOUNTS}
    assert select("$.items.[1].a", data) == 5
    assert select("$.items.[-1].['b']", data) == 8


def test_dot_before_a_filter_on_the_root_array() -> None:
    assert select("$.[?(@.OU > 0)]", ACCOUNTS) == [ACCOUNTS[0], ACCOUNTS[2]]


def test_wildcard_then_several_properties_merges_each_item() -> None:
    # Jayway: several properties ending a path make one object per item, without missing ones.
    assert select("$.[*].['a','b']", ACCOUNTS) == [{"a": 1, "b": 2}, {"a": 5}, {"b": 8}]


def test_a_dot_before_a_dot_is_still_refused() -> None:
    with pytest.raises(ExpressionError):
        compile_path("$.a..")


def test_an_unquoted_word_is_accepted_with_a_warning() -> None:
    path = compile_path("$.Labels[?(@.Name==Receipt)]")
    assert "unquoted word" in path.warning
    assert compile_path("$.Labels[?(@.Name=='Receipt')]").warning is None


@pytest.mark.parametrize("labels", [[{"Name": "Receipt"}], []])
def test_an_unquoted_word_fails_every_evaluation_as_jayway_does(labels) -> None:
    with pytest.raises(AslError) as failure:
        select("$.Labels[?(@.Name==Receipt)]", {"Labels": labels})
    assert failure.value.error == "States.Runtime"
    assert failure.value.cause == (
        "Invalid path '$.Labels[?(@.Name==Receipt)]' : "
        "Could not compile inline filter : [?(@.Name==Receipt)]"
    )
