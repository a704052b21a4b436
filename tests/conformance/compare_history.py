"""Compare an engine's execution history with the one AWS recorded, at two levels.

`id_differences`: the events' ids and `previousEventId`s (and how many events there are).
`event_differences`: besides, every event's type and details, after the same rewriting as
outputs (compare.py) and with the snapshot tooling's own changes undone: it parsed detail
strings holding JSON, put placeholders for the role ARN and timestamps, and masked the ids of
events whose order is not deterministic (Parallel branches: id `[0]`), which are compared as a
set. Pure functions over JSON data.
"""

from __future__ import annotations

import json
import re
from typing import Any

from compare import (
    JSON_INPUT,
    MAX_DIFFERENCES,
    json_differences,
    normalise_cause_text,
    normalise_dates,
    normalise_regexes,
    normalise_timestamp_keys,
)

Json = Any
Event = dict[str, Any]
# Stand-ins in the recordings for values known only at recording time.
IGNORED_FIELDS = frozenset({"roleArn", "mapRunArn"})
_JSON_INPUT_N = re.compile(r"<json-input:\d+>")


def _numbered(event: Event) -> bool:
    return isinstance(event.get("id"), int)


def id_differences(case: dict, history: list[Event]) -> list[str]:
    """Where the ids and previousEventIds of `history` differ from the recorded ones."""
    expected = case["history"]
    numbered = [event for event in expected if _numbered(event)]
    if not numbered:
        return []
    count = max(len(expected), max(event["id"] for event in numbered))
    if len(history) != count:
        return [f"history: expected {count} events, got {len(history)}"]
    differences = []
    for event in numbered:
        actual = history[event["id"] - 1]
        if actual.get("previousEventId") != event["previousEventId"]:
            differences.append(
                f"event {event['id']} ({event['type']}): expected previousEventId "
                f"{event['previousEventId']}, got {actual.get('previousEventId')}"
            )
    return differences[:MAX_DIFFERENCES]


def event_differences(case: dict, history: list[Event]) -> list[str]:
    """Ids and previousEventIds as `id_differences`, then every event's type and details."""
    differences = id_differences(case, history)
    if differences:
        return differences
    expected = case["history"]
    masked = [event for event in expected if not _numbered(event)]
    numbered_ids = {event["id"] for event in expected if _numbered(event)}
    for event in filter(_numbered, expected):
        actual = history[event["id"] - 1]
        differences += _event_pair(case, event, actual, f"event {event['id']}")
    if masked:
        rest = [event for event in history if event["id"] not in numbered_ids]
        differences += _masked_differences(case, masked, rest)
    return differences[:MAX_DIFFERENCES]


def _masked_differences(case: dict, masked: list[Event], rest: list[Event]) -> list[str]:
    """Masked events match, in any order, events not numbered in the recording; the recording
    may hold fewer (the snapshot dropped some), never more."""
    unmatched = list(rest)
    differences = []
    for event in masked:
        match = next((a for a in unmatched if not _event_pair(case, event, a, "")), None)
        if match is None:
            differences.append(f"no event like the recorded {_short_event(event)}")
        else:
            unmatched.remove(match)
    return differences


def _event_pair(case: dict, expected: Event, actual: Event, where: str) -> list[str]:
    if actual.get("type") != expected["type"]:
        return [f"{where}: expected {expected['type']}, got {actual.get('type')}"]
    differences = []
    keys = {key for key in (*expected, *actual) if key.endswith("EventDetails")}
    for key in sorted(keys):
        differences += _details_differences(
            case, expected.get(key), actual.get(key), f"{where}.{key}"
        )
    return differences


def _details_differences(case: dict, expected: Json, actual: Json, where: str) -> list[str]:
    if not isinstance(expected, dict) or not isinstance(actual, dict):
        return json_differences(expected, actual, where)
    differences = []
    for field in sorted((set(expected) | set(actual)) - IGNORED_FIELDS):
        if field not in actual or field not in expected:
            kind = "missing" if field in expected else "unexpected"
            differences.append(f"{where}: {kind} {field}")
            continue
        left, right = _comparable(case, field, expected[field], actual[field])
        differences += json_differences(left, right, f"{where}.{field}")
    return differences


def _comparable(case: dict, field: str, expected: Json, actual: Json) -> tuple[Json, Json]:
    """Both values as the snapshot tooling would have written them: JSON text parsed where the
    recording parsed it (at any depth), then the output rewriting rules."""
    if isinstance(actual, str) and field == "cause":
        actual = normalise_cause_text(actual)
        if isinstance(expected, str):
            expected = _JSON_INPUT_N.sub(JSON_INPUT, expected)
    if isinstance(expected, dict) and isinstance(actual, dict):
        pairs = {
            key: _comparable(case, key, expected[key], actual[key])
            for key in expected
            if key in actual
        }
        return (
            {**expected, **{key: pair[0] for key, pair in pairs.items()}},
            {**actual, **{key: pair[1] for key, pair in pairs.items()}},
        )
    parsed_actual = _parse(actual) if isinstance(actual, str) else None
    if isinstance(expected, str):
        parsed_expected = _parse(expected)
        if parsed_expected is None or parsed_actual is None:
            return expected, _rewritten(case, actual)
        expected, actual = parsed_expected, parsed_actual
    elif parsed_actual is not None:
        actual = parsed_actual
    return expected, _rewritten(case, normalise_timestamp_keys(actual))


def _rewritten(case: dict, value: Json) -> Json:
    return normalise_dates(normalise_regexes(value, case.get("normalize") or []))


def _parse(text: str) -> Json:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _short_event(event: Event) -> str:
    text = json.dumps(event, default=repr)
    return text if len(text) <= 200 else text[:197] + "..."
