"""Compare an engine's result with an AWS-recorded case, as README-cases.md defines it.

The expected values were rewritten by LocalStack's snapshot tooling; a result is rewritten the
same way (`normalise_*`) before `compare` looks for differences. Pure functions over JSON data.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

Json = Any

# A candidate only; `is_iso_datetime` checks that the date and time really exist, because AWS's
# causes quote invalid ones (month 13, hour 25) verbatim and those must stay as they are.
_ISO_DATETIME = re.compile(
    r"(?<!\d)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}(?::?\d{2})?)(?![\d:])"
)
_JSON_INPUT_N = re.compile(r"<json-input:\d+>")
JSON_INPUT = "<json-input>"
MAX_DIFFERENCES = 10


def is_iso_datetime(text: str) -> bool:
    """True when `text` is exactly an ISO-8601 date-time with a zone designator, and valid."""
    if not _ISO_DATETIME.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _replace_dates(text: str) -> str:
    return _ISO_DATETIME.sub(lambda m: "date" if is_iso_datetime(m.group(0)) else m.group(0), text)


def _map_strings(value: Json, function: Any) -> Json:
    """`value` with `function` applied to every string in it, object keys included."""
    if isinstance(value, str):
        return function(value)
    if isinstance(value, list):
        return [_map_strings(item, function) for item in value]
    if isinstance(value, dict):
        return {function(k): _map_strings(v, function) for k, v in value.items()}
    return value


def _rewrite_timestamp_values(value: Json) -> Json:
    if isinstance(value, list):
        return [_rewrite_timestamp_values(item) for item in value]
    if not isinstance(value, dict):
        return value
    rewritten = {}
    for key, item in value.items():
        if "timestamp" in key.lower() and not (isinstance(item, str) and is_iso_datetime(item)):
            rewritten[key] = "timestamp"
        else:
            rewritten[key] = _rewrite_timestamp_values(item)
    return rewritten


def normalise_timestamp_keys(value: Json) -> Json:
    """Rule 1: in a JSON object, every key containing 'timestamp' gets the value 'timestamp'
    unless it holds an ISO-8601 date-time string. Anything but an object is left alone."""
    return _rewrite_timestamp_values(value) if isinstance(value, dict) else value


def normalise_cause_text(cause: str) -> str:
    """Rules 1 and 2 for a cause: a JSON-object cause gets rule 1; a quoted `'{...}'` holding
    valid JSON becomes `<json-input>`."""
    try:
        parsed = json.loads(cause)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        rewritten = normalise_timestamp_keys(parsed)
        return cause if rewritten == parsed else json.dumps(rewritten)
    return normalise_json_input(cause)


def normalise_json_input(text: str) -> str:
    """Rule 2: replace each `'{...}'` whose inside is valid JSON by `'<json-input>'`."""
    out: list[str] = []
    position = 0
    while (start := text.find("'{", position)) != -1:
        end = _quoted_json_end(text, start + 1)
        if end is None:
            out.append(text[position : start + 2])
            position = start + 2
            continue
        out.append(text[position : start + 1] + JSON_INPUT)
        position = end
    out.append(text[position:])
    return "".join(out)


def _quoted_json_end(text: str, start: int) -> int | None:
    """The index of the closing `'` after the longest valid JSON object starting at `start`."""
    ends = [m.start() + 1 for m in re.finditer(r"\}'", text[start:])]
    for end in reversed(ends):
        try:
            json.loads(text[start : start + end])
        except ValueError:
            continue
        return start + end
    return None


def normalise_regexes(value: Json, rules: list[dict[str, str]]) -> Json:
    """Rule 3: the case's `normalize` replacements, in order, on every string of `value`."""
    for rule in rules:
        pattern = re.compile(rule["regex"])
        value = _map_strings(value, lambda s, p=pattern, r=rule["replacement"]: p.sub(r, s))
    return value


def normalise_dates(value: Json) -> Json:
    """Rule 4: every valid ISO-8601 date-time with a zone designator becomes 'date'."""
    return _map_strings(value, _replace_dates)


def _field(result: Any, name: str) -> Any:
    return result.get(name) if isinstance(result, dict) else getattr(result, name, None)


def normalise_result(case: dict, result: Any) -> dict[str, Json]:
    """The result's status, output, error and cause, rewritten as the expected values were."""
    output = normalise_timestamp_keys(_field(result, "output"))
    cause = _field(result, "cause")
    if isinstance(cause, str):
        cause = normalise_cause_text(cause)
    error = _field(result, "error")
    rules = case.get("normalize") or []
    output, error, cause = normalise_dates(normalise_regexes([output, error, cause], rules))
    return {"status": _field(result, "status"), "output": output, "error": error, "cause": cause}


def normalise_expected(case: dict) -> dict[str, Json]:
    """The expected values, with `<json-input:N>` read as `<json-input>`."""
    expected = dict(case["expected"])
    if isinstance(expected.get("cause"), str):
        expected["cause"] = _JSON_INPUT_N.sub(JSON_INPUT, expected["cause"])
    return expected


def compare(case: dict, result: Any) -> list[str]:
    """The differences between `result` and the case's expected outcome; empty when it passes."""
    expected = normalise_expected(case)
    actual = normalise_result(case, result)
    if actual["status"] != expected["status"]:
        return [
            f"status: expected {expected['status']}, got {actual['status']}"
            f" (error={actual['error']!r}, cause={_short(actual['cause'])})"
        ]
    if expected["status"] == "SUCCEEDED":
        return json_differences(expected.get("output"), actual["output"], "output")
    differences = []
    if actual["error"] != expected.get("error"):
        differences.append(f"error: expected {expected.get('error')!r}, got {actual['error']!r}")
    return differences + _cause_differences(expected.get("cause"), actual["cause"])


def _cause_differences(expected: Json, actual: Json) -> list[str]:
    if isinstance(expected, dict):
        parsed = _parse_json(actual) if isinstance(actual, str) else None
        if not isinstance(parsed, dict):
            return [f"cause: expected a JSON object, got {_short(actual)}"]
        return json_differences(expected, parsed, "cause")
    if _lambda_error_text(expected) is not None:
        return json_differences(expected, actual, "cause")
    if actual != expected:
        return [f"cause: expected {_short(expected, 2000)}, got {_short(actual, 2000)}"]
    return []


def _parse_json(text: str) -> Json:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _is_lambda_error(value: Json) -> bool:
    return isinstance(value, dict) and "errorMessage" in value and "errorType" in value


def _lambda_error_text(value: Json) -> dict | None:
    """The Lambda-style error held as JSON text in the string `value`, else None."""
    if not isinstance(value, str) or not value.startswith("{"):
        return None
    parsed = _parse_json(value)
    return parsed if _is_lambda_error(parsed) else None


def _lambda_differences(expected: dict, actual: Json, where: str) -> list[str]:
    if not isinstance(actual, dict):
        return [f"{where}: expected a Lambda-style error object, got {_short(actual)}"]
    return [
        f"{where}.{key}: expected {expected[key]!r}, got {actual.get(key)!r}"
        for key in ("errorMessage", "errorType")
        if actual.get(key) != expected[key]
    ]


def _kind(value: Json) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def json_differences(expected: Json, actual: Json, where: str = "$") -> list[str]:
    """Differences between two JSON values: key order ignored, array order kept, integers and
    non-integral numbers different kinds, Lambda-style errors compared on message and type."""
    if _is_lambda_error(expected):
        return _lambda_differences(expected, actual, where)
    lambda_text = _lambda_error_text(expected)
    if lambda_text is not None:
        parsed = _parse_json(actual) if isinstance(actual, str) else None
        if parsed is None:
            return [f"{where}: expected a string holding a Lambda-style error, got {actual!r}"]
        return _lambda_differences(lambda_text, parsed, where)
    if _kind(expected) != _kind(actual):
        return [
            f"{where}: expected {_kind(expected)} {_short(expected)}, "
            f"got {_kind(actual)} {_short(actual)}"
        ]
    if isinstance(expected, list):
        return _list_differences(expected, actual, where)
    if isinstance(expected, dict):
        return _dict_differences(expected, actual, where)
    if expected != actual:
        return [f"{where}: expected {_short(expected)}, got {_short(actual)}"]
    return []


def _list_differences(expected: list, actual: list, where: str) -> list[str]:
    if len(expected) != len(actual):
        return [
            f"{where}: expected {len(expected)} items, got {len(actual)}: "
            f"expected {_short(expected)}, got {_short(actual)}"
        ]
    differences: list[str] = []
    for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
        differences += json_differences(left, right, f"{where}[{index}]")
    return differences[:MAX_DIFFERENCES]


def _dict_differences(expected: dict, actual: dict, where: str) -> list[str]:
    differences = [f"{where}: missing key {key!r}" for key in expected if key not in actual]
    differences += [f"{where}: unexpected key {key!r}" for key in actual if key not in expected]
    for key in [key for key in expected if key in actual]:
        differences += json_differences(expected[key], actual[key], f"{where}.{key}")
    return differences[:MAX_DIFFERENCES]


def _short(value: Json, limit: int = 200) -> str:
    text = json.dumps(value, default=repr, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."
