"""Compare the JSONata libraries on PyPI for correctness and speed, to choose sfn's engine.

Run it with each interpreter that has one candidate installed (jsonata-python and jsonata-rs
both install a package named `jsonata`, so they need separate environments):

    python bench/jsonata_choice.py            # every candidate importable here
    python bench/jsonata_choice.py --json     # one JSON line per library, for a table
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from collections.abc import Callable
from typing import Any

UNDEF = "<undefined>"


class Err:
    """An expected evaluation or compile error: its JSONata code and, where AWS would show it
    in a cause, jsonata-js's message."""

    def __init__(self, code: str, message: str | None = None):
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"Err({self.code})"


def _partition(items: list, size: int) -> list:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _twice(value: Any) -> Any:
    return value * 2


def _boom() -> Any:
    raise ValueError("host function failed")


HOST_FUNCTIONS: dict[str, Callable] = {"partition": _partition, "twice": _twice, "boom": _boom}

STATES = {"input": {"value": 25, "str_value": "string literal", "type": "Private"}}
ITEMS = {"input": {"items": [{"v": i, "k": "ab"[i % 2]} for i in range(100)]}}

# (expression, input `$states`, variables, expected). Expected values are JSONata's reference
# (jsonata-js 2.x) results, or AWS's recorded results for the expressions of the conformance cases.
CASES: list[tuple[str, Any, dict, Any]] = [
    # from the conformance cases
    ("$states.input.condition", {"input": {"condition": True}}, {}, True),
    ("$states.input.condition", {"input": {"condition": None}}, {}, None),
    ("$varname.varfield", {}, {"varname": {"varfield": "x"}}, "x"),
    ("$varname", {}, {"varname": None}, None),
    ("$doesNotExist", {}, {}, UNDEF),
    ('$contains("hello$world", /^hello\\ /)', {}, {}, False),
    ("$contains('hello$world', /^hello\\$/)", {}, {}, True),
    ("$number('2')", {}, {}, 2),
    ("$variable := 1", {}, {}, 1),
    ("$partition([0, 1, 2], 2)", {}, {}, [[0, 1], [2]]),
    ("$randomSeeded(1)", {}, {}, Err("T1006")),
    ("$sum($states.input.v) + $c", {"input": {"v": [1, 2, 3]}}, {"c": 1}, 7),
    ("$states.input.value >= 20 and $states.input.value < 30", STATES, {}, True),
    ('$states.input.str_value = "string literal"', STATES, {}, True),
    ("$not($states.input.type = 'Private')", STATES, {}, False),
    ("$states.input.items", {"input": {"items": [1]}}, {}, [1]),
    ("[]", {}, {}, []),
    ("'string'", {}, {}, "string"),
    # sequences and singletons
    ("$x.a", {}, {"x": [{"a": 1}, {"a": 2}]}, [1, 2]),
    ("$x.a", {}, {"x": [{"a": 1}]}, 1),
    ("$x.a", {}, {"x": {"a": [1]}}, [1]),
    ("$x.a[]", {}, {"x": [{"a": 1}]}, [1]),
    ("$x.a", {}, {"x": [{"a": [1]}, {"a": [2, 3]}]}, [1, 2, 3]),
    ("$x[1]", {}, {"x": [1, 2, 3]}, 2),
    ("$x[-1]", {}, {"x": [1, 2, 3]}, 3),
    ("$x[$ > 1]", {}, {"x": [1, 2, 3]}, [2, 3]),
    ("[1..3]", {}, {}, [1, 2, 3]),
    ("$count($x)", {}, {"x": [1, 2, 3]}, 3),
    # undefined vs null
    ("null", {}, {}, None),
    ("[1, $nothing, 2]", {}, {}, [1, 2]),
    ("[1, null, 2]", {}, {}, [1, None, 2]),
    ('{"a": $nothing, "b": null}', {}, {}, {"b": None}),
    ("$exists($nothing)", {}, {}, False),
    ("$exists(null)", {}, {}, True),
    ("$type(null)", {}, {}, "null"),
    ("$x = null", {}, {"x": None}, True),
    ("$x.missing", {}, {"x": {}}, UNDEF),
    # numbers
    ("1/2", {}, {}, 0.5),
    ("4/2", {}, {}, 2),
    ("$x * 2", {}, {"x": 1.5}, 3),
    ("$string(1)", {}, {}, "1"),
    ("$string(0.1 + 0.2)", {}, {}, "0.3"),
    ("$string(1e21)", {}, {}, "1e+21"),
    ("$string(100000000000000000000)", {}, {}, "100000000000000000000"),
    ('$string({"a": 1.0, "b": [2.5]})', {}, {}, '{"a":1,"b":[2.5]}'),
    ("$string(1/3)", {}, {}, "0.333333333333333"),
    ("$round(2.5)", {}, {}, 2),
    ("$round(3.5)", {}, {}, 4),
    ("$round(3.14159, 2)", {}, {}, 3.14),
    ("$floor(-1.5)", {}, {}, -2),
    ("$abs(-3)", {}, {}, 3),
    ("$power(2, 10)", {}, {}, 1024),
    ("$sqrt(16)", {}, {}, 4),
    ("$average([1, 2])", {}, {}, 1.5),
    ("$max([1, 5, 2])", {}, {}, 5),
    ('$formatNumber(1234.5, "#,###.00")', {}, {}, "1,234.50"),
    ("$formatBase(255, 16)", {}, {}, "ff"),
    ("$number('0x1F')", {}, {}, 31),
    ("5 % 3", {}, {}, 2),
    # strings and regular expressions
    ('"a" & 1', {}, {}, "a1"),
    ('$length("héllo")', {}, {}, 5),
    ('$substring("hello", 1, 3)', {}, {}, "ell"),
    ('$substringBefore("a-b", "-")', {}, {}, "a"),
    ('$uppercase("abc")', {}, {}, "ABC"),
    ('$trim("  a   b ")', {}, {}, "a b"),
    ('$pad("x", 3, "-")', {}, {}, "x--"),
    ('$split("a,b,c", ",")', {}, {}, ["a", "b", "c"]),
    ('$join(["a", "b"], "-")', {}, {}, "a-b"),
    ('$replace("hello", /l+/, "L")', {}, {}, "heLo"),
    ('$replace("abc", /(b)/, "[$1]")', {}, {}, "a[b]c"),
    ('$match("abab", /a(b)/).groups', {}, {}, ["b", "b"]),
    ('$contains("ABC", /b/i)', {}, {}, True),
    ('$split("a1b22c", /[0-9]+/)', {}, {}, ["a", "b", "c"]),
    ('$base64encode("hi")', {}, {}, "aGk="),
    ('$encodeUrlComponent("a b")', {}, {}, "a%20b"),
    # objects
    ('$keys({"a": 1, "b": 2})', {}, {}, ["a", "b"]),
    ('$merge([{"a": 1}, {"b": 2}])', {}, {}, {"a": 1, "b": 2}),
    ('$lookup({"a": 1}, "a")', {}, {}, 1),
    ('$each({"a": 1}, function($v, $k) { $k & $v })', {}, {}, "a1"),
    ('$spread({"a": 1, "b": 2})', {}, {}, [{"a": 1}, {"b": 2}]),
    ("$x{k: $sum(v)}", {}, {"x": [{"k": "a", "v": 1}, {"k": "a", "v": 2}]}, {"a": 3}),
    ("$x^(>v).v", {}, {"x": [{"v": 1}, {"v": 3}, {"v": 2}]}, [3, 2, 1]),
    ('$sift({"a": 1, "b": 2}, function($v) { $v > 1 })', {}, {}, {"b": 2}),
    # arrays and higher-order functions
    ("$map([1, 2, 3], function($v) { $v * 2 })", {}, {}, [2, 4, 6]),
    ("$filter([1, 2, 3], function($v) { $v > 1 })", {}, {}, [2, 3]),
    ("$reduce([1, 2, 3], function($a, $b) { $a + $b })", {}, {}, 6),
    ("$sort([3, 1, 2])", {}, {}, [1, 2, 3]),
    ("$sort([3, 1, 2], function($a, $b) { $a < $b })", {}, {}, [3, 2, 1]),
    ("$reverse([1, 2])", {}, {}, [2, 1]),
    ("$distinct([1, 1, 2])", {}, {}, [1, 2]),
    ("$append([1], [2])", {}, {}, [1, 2]),
    ("$zip([1, 2], [3, 4])", {}, {}, [[1, 3], [2, 4]]),
    ("$single([1, 2], function($v) { $v > 1 })", {}, {}, 2),
    ("(function($x) { $x + 1 })(2)", {}, {}, 3),
    ("($f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f(5))", {}, {}, 120),
    ("$map([1, 2], $string)", {}, {}, ["1", "2"]),
    ("($add := function($a, $b) { $a + $b }; $inc := $add(?, 1); $inc(2))", {}, {}, 3),
    ("[1, 2] ~> $map(function($v) { $v + 1 })", {}, {}, [2, 3]),
    ("$states.input.value > 5 ? 'big' : 'small'", STATES, {}, "big"),
    # dates
    ("$fromMillis(0)", {}, {}, "1970-01-01T00:00:00.000Z"),
    ('$toMillis("2024-01-01T00:00:00Z")', {}, {}, 1704067200000),
    ("$type($now())", {}, {}, "string"),
    # host functions (how AWS adds $partition & co)
    ("$twice(21)", {}, {}, 42),
    ("$partition([1, 2, 3], 2)", {}, {}, [[1, 2], [3]]),
    ("$map([1, 2], $twice)", {}, {}, [2, 4]),
    ("$boom()", {}, {}, Err("host")),
    # errors
    (
        "1 + 'a'",
        {},
        {},
        Err("T2002", 'The right side of the "+" operator must evaluate to a number'),
    ),
    (
        "$sum('a')",
        {},
        {},
        Err("T0412", 'Argument 1 of function "sum" must be an array of "numbers"'),
    ),
    (
        "$sum(1, 2)",
        {},
        {},
        Err("T0410", 'Argument 2 of function "sum" does not match function signature'),
    ),
    (
        "'a' < 1",
        {},
        {},
        Err(
            "T2009",
            'The values "a" and 1 either side of operator "<" must be of the same data type',
        ),
    ),
    ("1 / 0", {}, {}, Err("D1001", "Number out of range: null")),
    ("$number('abc')", {}, {}, Err("D3030")),
    ("$power(10, 400)", {}, {}, Err("D3061")),
    ("$nosuch()", {}, {}, Err("T1006")),
    ('$error("stop")', {}, {}, Err("D3137")),
    ("(", {}, {}, Err("S0203")),
    ("$x.", {}, {}, Err("S0207")),
    ("($f := function() { $f() + 1 }; $f())", {}, {}, Err("recursion")),
    ('$eval("1 + 1")', {}, {}, 2),
]

SPEED: list[tuple[str, str, Any, dict]] = [
    ("condition", "$states.input.value >= 20 and $states.input.value < 30", STATES, {}),
    ("sum+var", "$sum($states.input.v) + $c", {"input": {"v": [1, 2, 3]}}, {"c": 1}),
    ("object", '{"id": $states.input.value, "t": $uppercase($states.input.type)}', STATES, {}),
    ("filter100", "$states.input.items[v > 50 and k = 'a'].v", ITEMS, {}),
    ("map100", "$map($states.input.items, function($i) { $i.v * 2 })", ITEMS, {}),
]


class Adapter:
    name = ""
    undefined_distinct = True

    def compile(self, text: str) -> Any:
        raise NotImplementedError

    def evaluate(self, compiled: Any, bindings: dict) -> Any:
        raise NotImplementedError

    def error_code(self, error: BaseException) -> str:
        return str(getattr(error, "code", "") or "")


class JsonataPython(Adapter):
    name = "jsonata-python"

    def __init__(self):
        import jsonata

        self.lib = jsonata
        self.null = jsonata.Utils.NULL_VALUE

    def compile(self, text):
        expression = self.lib.Jsonata(text)
        expression.set_output_convert_nulls(False)
        for name, function in HOST_FUNCTIONS.items():
            expression.register_lambda(name, function)
        return expression

    def evaluate(self, compiled, bindings):
        # a None binding would read as undefined in jsonata-python
        bindings = {k: self.null if v is None else v for k, v in bindings.items()}
        result = compiled.evaluate(None, bindings)
        return UNDEF if result is None else self.lib.Utils.convert_nulls(result)

    def error_code(self, error):
        return str(getattr(error, "error", "") or "")


class JsonataRs(Adapter):
    name = "jsonata-rs"

    def __init__(self):
        import jsonata

        self.lib = jsonata

    def compile(self, text):
        expression = self.lib.Jsonata(text)
        expression.set_output_convert_nulls(False)
        for name, function in HOST_FUNCTIONS.items():
            expression.register_function(name, function)
        return expression

    def evaluate(self, compiled, bindings):
        result = compiled.evaluate(None, bindings)
        return UNDEF if result is self.lib.UNDEFINED else result


class Jsonatapy(Adapter):
    name = "jsonatapy"

    def __init__(self):
        import jsonatapy

        self.lib = jsonatapy

    def compile(self, text):
        expression = self.lib.compile(text)
        for name, function in HOST_FUNCTIONS.items():
            expression.register(name, function)
        return expression

    def evaluate(self, compiled, bindings):
        # only the JSON-text interface tells undefined from null
        result = compiled.evaluate_json_or_none(None, bindings)
        return UNDEF if result is None else json.loads(result)

    def error_code(self, error):
        return str(error).replace("Parse error:", "").split(":")[0].strip()


class Jlens(Adapter):
    name = "jlens"

    def __init__(self):
        import jlens

        self.lib = jlens

    def compile(self, text):
        expression = self.lib.Expression(text)
        for name, function in HOST_FUNCTIONS.items():
            expression.register_function(name, function)
        return expression

    def evaluate(self, compiled, bindings):
        # only the JSON-text interface tells undefined from null
        result = compiled.evaluate_json(None, bindings)
        return UNDEF if result is None else json.loads(result)


class Jsonata2py(Adapter):
    name = "jsonata2py"

    def __init__(self):
        import jsonata2py

        self.lib = jsonata2py

    def compile(self, text):
        expression = self.lib.compile(text)
        for name, function in HOST_FUNCTIONS.items():
            expression.register_function(name, function)
        return expression

    def evaluate(self, compiled, bindings):
        values = self.lib.JsonataBindings()
        for name, value in bindings.items():
            values.bind_value(name, value)
        result = compiled.evaluate(None, values)
        return UNDEF if result is self.lib.MISSING else result

    def error_code(self, error):
        return str(getattr(error, "error_code", "") or "")


def available() -> list[Adapter]:
    adapters: list[Adapter] = []
    if importlib.util.find_spec("jsonata"):
        import jsonata

        adapters.append(JsonataRs() if hasattr(jsonata, "UNDEFINED") else JsonataPython())
    for module, adapter in (("jsonatapy", Jsonatapy), ("jlens", Jlens), ("jsonata2py", Jsonata2py)):
        if importlib.util.find_spec(module):
            adapters.append(adapter())
    return adapters


def same(actual: Any, expected: Any) -> bool:
    if type(expected) is bool or type(actual) is bool:
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and actual.keys() == expected.keys()
            and all(same(actual[k], expected[k]) for k in expected)
        )
    return actual == expected and type(actual) in (type(expected), int, float)


def run_case(adapter: Adapter, text: str, states: Any, variables: dict, expected: Any) -> str:
    """'ok', or a short description of what went wrong."""
    try:
        result = adapter.evaluate(adapter.compile(text), {"states": states, **variables})
    except RecursionError:
        return (
            "ok" if isinstance(expected, Err) and expected.code == "recursion" else "RecursionError"
        )
    except Exception as error:  # the point is to see what each library raises
        code = adapter.error_code(error)
        if isinstance(expected, Err) and (
            code == expected.code or expected.code in ("host", "recursion")
        ):
            if expected.message and expected.message not in str(error):
                return f"message {str(error)[:90]!r}"
            return "ok"
        return f"raised {type(error).__name__} {code} {str(error)[:80]}"
    if expected == UNDEF and result is None and not adapter.undefined_distinct:
        return "undefined reads as null"
    if isinstance(expected, Err) or not same(result, expected):
        return f"got {result!r:.80}"
    return "ok"


def speed(adapter: Adapter, text: str, states: Any, variables: dict, n: int) -> tuple[float, float]:
    """(compile microseconds, evaluate microseconds), the best of five rounds: the machine is
    shared, and the best round is the one least disturbed."""
    bindings = {"states": states, **variables}
    compile_rounds, evaluate_rounds = [], []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(20):
            compiled = adapter.compile(text)
        compile_rounds.append((time.perf_counter() - start) / 20 * 1e6)
        start = time.perf_counter()
        for _ in range(n):
            adapter.evaluate(compiled, bindings)
        evaluate_rounds.append((time.perf_counter() - start) / n * 1e6)
    return min(compile_rounds), min(evaluate_rounds)


def report(adapter: Adapter, as_json: bool) -> None:
    failures = []
    for text, states, variables, expected in CASES:
        verdict = run_case(adapter, text, states, variables, expected)
        if verdict != "ok":
            failures.append((text, verdict))
    timings = {name: speed(adapter, text, s, v, 300) for name, text, s, v in SPEED}
    if as_json:
        print(
            json.dumps(
                {
                    "library": adapter.name,
                    "passed": len(CASES) - len(failures),
                    "cases": len(CASES),
                    "failures": failures,
                    "timings_us": timings,
                }
            )
        )
        return
    print(f"== {adapter.name}: {len(CASES) - len(failures)}/{len(CASES)} cases as expected")
    for text, verdict in failures:
        print(f"   {text!r}: {verdict}")
    for name, (compile_us, eval_us) in timings.items():
        print(f"   {name:10} compile {compile_us:8.1f} us   evaluate {eval_us:8.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON line per library")
    args = parser.parse_args()
    for adapter in available():
        report(adapter, args.json)


if __name__ == "__main__":
    main()
