"""AWS's additional JSONata functions: results, argument checks and their messages."""

import hashlib
import uuid

import pytest

from engine.errors import QueryEvaluationError
from engine.language.jsonata import compile_expression
from engine.language.jsonata_functions import RANGE_LIMIT, seeded_random
from engine.language.scope import Scope


def evaluate(text, scope=None, variables=None):
    scope = scope or Scope(random=lambda: 0.5, uuid=lambda: "fixed-id")
    return compile_expression("{% " + text + " %}", "Output").evaluate({}, variables or {}, scope)


def failure(text, scope=None):
    with pytest.raises(QueryEvaluationError) as raised:
        evaluate(text, scope)
    prefix = f"The JSONata expression '{text}' specified for the field 'Output' "
    assert raised.value.cause.startswith(prefix)
    return raised.value.cause[len(prefix) :]


def signature_mismatch(function, index):
    return (
        "threw an error during evaluation. "
        f'T0410: Argument {index} of function "{function}" does not match function signature'
    )


@pytest.mark.parametrize(
    ("items", "size", "expected"),
    [
        ([0], 1, [[0]]),
        ([0], 4, [[0]]),
        ([0, 1, 2], 1, [[0], [1], [2]]),
        ([0, 1, 2], 2, [[0, 1], [2]]),
        ([0, 1, 2, 3], 4, [[0, 1, 2, 3]]),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        ([], 2, []),
        ([{"a": 1}, "b", None], 2, [[{"a": 1}, "b"], [None]]),
    ],
)
def test_partition(items, size, expected):
    assert evaluate("$partition($items, $size)", variables={"items": items, "size": size}) == (
        expected
    )


def test_partition_takes_a_single_value_as_an_array_like_jsonata_functions():
    assert evaluate("$partition('abc', 2)") == [["abc"]]
    assert evaluate("$partition([{'id': 7}].id, 1)") == [[7]]


def test_partition_checks_its_arguments():
    assert failure("$partition([1], 'x')") == signature_mismatch("partition", 2)
    assert failure("$partition([1])") == signature_mismatch("partition", 2)
    assert failure("$partition([1], 1, 1)") == signature_mismatch("partition", 3)
    assert failure("$partition([1], 0)").endswith(
        'D3001: Argument 2 of function "partition" must be a positive integer, was 0'
    )
    assert failure("$partition([1], 1.5)").endswith(
        'D3001: Argument 2 of function "partition" must be an integer, was 1.5'
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("0, 9, 3", [0, 3, 6, 9]),
        ("0, 10, 3", [0, 3, 6, 9]),
        ("1, 9, 9", 1),
        ("1, 9, 2", [1, 3, 5, 7, 9]),
        ("0, 10, 2", [0, 2, 4, 6, 8, 10]),
        ("10, 0, -5", [10, 5, 0]),
        ("3, 3, 1", 3),
    ],
)
def test_range(args, expected):
    assert evaluate(f"$range({args})") == expected


def test_range_is_a_sequence_one_number_stands_alone_and_none_is_nothing():
    # AWS recorded $range(1, 9, 9) as 1 (a singleton sequence), not [1]
    assert evaluate("$append([], $range(7, 7, 1))") == [7]
    assert evaluate("$append([], $range(5, 1, 1))") == []
    assert evaluate("$count($range(1, 5, -1))") == 0
    assert failure("$range(5, 1, 1)").endswith("returned nothing (undefined).")


def test_range_checks_its_arguments():
    assert failure("$range(0, 1, 0)").endswith(
        'D3001: Argument 3 of function "range" must not be zero'
    )
    assert failure("$range('a', 1, 1)") == signature_mismatch("range", 1)
    assert failure("$range(0, 1)") == signature_mismatch("range", 3)
    assert failure("$range(0, 1.5, 1)").endswith(
        'D3001: Argument 2 of function "range" must be an integer, was 1.5'
    )
    assert len(evaluate(f"$range(1, {RANGE_LIMIT}, 1)")) == RANGE_LIMIT
    assert failure(f"$range(0, {RANGE_LIMIT}, 1)").endswith(
        f'The function "range" would return {RANGE_LIMIT + 1} items; at most {RANGE_LIMIT} are '
        "allowed"
    )


@pytest.mark.parametrize(
    ("algorithm", "name"),
    [
        ("MD5", "md5"),
        ("SHA-1", "sha1"),
        ("SHA-256", "sha256"),
        ("SHA-384", "sha384"),
        ("SHA-512", "sha512"),
    ],
)
def test_hash(algorithm, name):
    expected = hashlib.new(name, "hello wörld".encode()).hexdigest()
    assert evaluate(f"$hash('hello wörld', '{algorithm}')") == expected


def test_hash_checks_its_arguments():
    assert failure("$hash(1, 'MD5')") == signature_mismatch("hash", 1)
    assert failure("$hash('a', 1)") == signature_mismatch("hash", 2)
    assert failure("$hash('a', 'SHA-3')").endswith(
        'D3001: Argument 2 of function "hash" must be one of MD5, SHA-1, SHA-256, SHA-384, '
        'SHA-512, was "SHA-3"'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-0", 0),
        ("1", 1),
        ("1.1", 1.1),
        ("1.0", 1),
        ("true", True),
        ('"HelloWorld"', "HelloWorld"),
        ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]),
        ('{"Arg1": 1, "Arg2": []}', {"Arg1": 1, "Arg2": []}),
        ("null", None),
        ('{"a": null}', {"a": None}),
    ],
)
def test_parse(text, expected):
    result = evaluate("$parse($text)", variables={"text": text})
    assert result == expected
    assert type(result) is type(expected)


def test_parse_checks_its_argument():
    assert failure("$parse(1)") == signature_mismatch("parse", 1)
    assert 'D3001: Argument 1 of function "parse" is not valid JSON' in failure("$parse('{')")
    assert "NaN is not a JSON value" in failure("$parse('NaN')")
    assert "1e400 is out of range" in failure("$parse('[1e400]')")


def test_random_without_seed_draws_from_the_scope():
    draws = iter([0.1, 0.7])
    scope = Scope(random=lambda: next(draws))
    assert evaluate("$random()", scope) == 0.1
    assert evaluate("$random()", scope) == 0.7


def test_random_with_seed_is_deterministic_and_in_range():
    first = evaluate("$random(42)")
    assert first == evaluate("$random(42)") == seeded_random(42)
    assert 0 <= first < 1
    assert evaluate("$random(43)") != first
    assert all(0 <= seeded_random(seed) < 1 for seed in range(-50, 50))


def test_random_checks_its_seed():
    assert failure("$random('fst')") == signature_mismatch("random", 1)
    assert failure("$random(1, 2)") == signature_mismatch("random", 2)
    assert failure("$random(1.5)").endswith(
        'D3001: Argument 1 of function "random" must be an integer, was 1.5'
    )


def test_uuid_comes_from_the_scope():
    value = str(uuid.UUID(int=7, version=4))
    assert evaluate("$uuid()", Scope(uuid=lambda: value)) == value
    assert failure("$uuid(1)") == signature_mismatch("uuid", 1)


def test_a_scope_without_randomness_fails_the_expression_not_the_caller():
    assert "threw an error during evaluation" in failure("$random()", Scope())


def test_eval_is_not_available():
    assert failure("$eval('1 + 1')") == (
        "threw an error during evaluation. T1006: Attempted to invoke a non-function"
    )


@pytest.mark.parametrize(
    "text", ["$partition($nothing, 2)", "$range(0, $nothing, 1)", "$hash($nothing, 'MD5')"]
)
def test_undefined_arguments_give_undefined_like_jsonata_functions(text):
    assert failure(text) == "returned nothing (undefined)."


def test_aws_functions_compose_with_jsonata():
    assert evaluate("$partition($range(1, 5, 1), 2)") == [[1, 2], [3, 4], [5]]
    assert evaluate("$map($range(1, 3, 1), function($v) { $v * 10 })") == [10, 20, 30]
    assert evaluate("$count($parse('[1, 2, 3]'))") == 3


def test_a_variable_named_like_a_scoped_function_shadows_it():
    assert evaluate("$uuid", variables={"uuid": "mine"}) == "mine"
