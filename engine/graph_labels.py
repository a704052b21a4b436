"""Short human labels for diagrams: a Choice rule as `$.amount > 100`, a Retry as a line.

Pure functions over the definition's plain data; any malformed part gives a best-effort label.
"""

from __future__ import annotations

import json
from typing import Any

Json = Any
MAX_LABEL = 48
TIMES = "\u00d7"  # the multiplication sign: "retry 3 times" reads as a count, not a letter

_COMPARISONS = {
    "Equals": "==",
    "LessThan": "<",
    "LessThanEquals": "<=",
    "GreaterThan": ">",
    "GreaterThanEquals": ">=",
    "Matches": "matches",
}
_TYPES = ("String", "Numeric", "Boolean", "Timestamp")
_TYPE_TESTS = {
    "IsNull": ("is null", "is not null"),
    "IsPresent": ("is present", "is absent"),
    "IsNumeric": ("is a number", "is not a number"),
    "IsString": ("is a string", "is not a string"),
    "IsBoolean": ("is a boolean", "is not a boolean"),
    "IsTimestamp": ("is a timestamp", "is not a timestamp"),
}


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def choice_label(rule: dict) -> str:
    """A Choice rule in a short readable form, e.g. `$.amount > 100`."""
    return shorten(_condition(rule))


def _condition(rule: Json) -> str:
    if not isinstance(rule, dict):
        return "?"
    if "Condition" in rule:
        return _jsonata(rule["Condition"])
    for key, joiner in (("And", " and "), ("Or", " or ")):
        if isinstance(rule.get(key), list):
            return joiner.join(_grouped(inner) for inner in rule[key])
    if "Not" in rule:
        return "not " + _grouped(rule["Not"])
    variable = str(rule.get("Variable", "?"))
    for key, value in rule.items():
        comparison = _comparison(key, value)
        if comparison is not None:
            return f"{variable} {comparison}"
    return variable


def _grouped(rule: Json) -> str:
    text = _condition(rule)
    compound = isinstance(rule, dict) and ("And" in rule or "Or" in rule)
    return f"({text})" if compound else text


def _comparison(key: str, value: Json) -> str | None:
    if key in _TYPE_TESTS:
        positive, negative = _TYPE_TESTS[key]
        return positive if value is not False else negative
    is_path = key.endswith("Path")
    base = key[: -len("Path")] if is_path else key
    for kind in _TYPES:
        operator = _COMPARISONS.get(base[len(kind) :]) if base.startswith(kind) else None
        if operator is not None:
            return f"{operator} {value if is_path else _literal(value)}"
    return None


def _literal(value: Json) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    return json.dumps(value)


def _jsonata(expression: Json) -> str:
    text = str(expression).strip()
    if text.startswith("{%") and text.endswith("%}"):
        text = text[2:-2].strip()
    return text


def catch_label(error_equals: Json) -> str:
    """The error names a Catch handles, e.g. `States.TaskFailed, TransientError`."""
    names = error_equals if isinstance(error_equals, list) else []
    return shorten(", ".join(str(name) for name in names) or "?")


def retry_lines(retriers: Json) -> list[str]:
    """One line per retrier: how many times, on which errors, and its timing if given."""
    lines = []
    for retrier in retriers if isinstance(retriers, list) else []:
        if not isinstance(retrier, dict):
            continue
        attempts = retrier.get("MaxAttempts", 3)
        line = f"retry {TIMES}{attempts} on {catch_label(retrier.get('ErrorEquals'))}"
        timing = []
        if "IntervalSeconds" in retrier:
            timing.append(f"{retrier['IntervalSeconds']} s")
        if "BackoffRate" in retrier:
            timing.append(f"backoff {retrier['BackoffRate']}")
        if retrier.get("MaxDelaySeconds") is not None:
            timing.append(f"max {retrier['MaxDelaySeconds']} s")
        if retrier.get("JitterStrategy") == "FULL":
            timing.append("jitter")
        lines.append(line + (f" ({', '.join(timing)})" if timing else ""))
    return lines


def state_subtitle(state: dict) -> str:
    """The second line of a state's box: its type and what it does in a word or two."""
    kind = state.get("Type")
    if not isinstance(kind, str):
        return "(no Type)"
    detail = _SUBTITLES.get(kind, lambda _state: "")(state)
    return shorten(f"{kind}: {detail}" if detail else kind)


def _task(state: dict) -> str:
    return str(state.get("Resource", ""))


def _wait(state: dict) -> str:
    for key, form in (
        ("Seconds", "{} s"),
        ("SecondsPath", "{} s"),
        ("Timestamp", "until {}"),
        ("TimestampPath", "until {}"),
    ):
        if key in state:
            return form.format(_jsonata(state[key]))
    return ""


def _map(state: dict) -> str:
    items = state.get("ItemsPath", state.get("Items"))
    return f"over {_jsonata(items)}" if items is not None else ""


def _fail(state: dict) -> str:
    return _jsonata(state.get("Error", state.get("ErrorPath", "")))


_SUBTITLES = {"Task": _task, "Wait": _wait, "Map": _map, "Fail": _fail}
