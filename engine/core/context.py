"""The context object (`$$`): what a run knows about its execution, state and Map item.

Built from the snapshot on demand, so it is never stored twice and never drifts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

Json = Any


def iso(moment: datetime) -> str:
    """AWS's timestamp text: UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def base_context(given: Mapping[str, Json], input: Json, now: datetime, uuid: str) -> Json:
    """The run's `$$` without `State`: the caller's values, AWS-like defaults for the rest."""
    machine = dict(given.get("StateMachine") or {})
    machine.setdefault("Name", "StateMachine")
    machine.setdefault("Id", f"arn:aws:states:local:000000000000:stateMachine:{machine['Name']}")
    execution = dict(given.get("Execution") or {})
    execution.setdefault("Name", uuid)
    execution.setdefault(
        "Id", f"arn:aws:states:local:000000000000:execution:{machine['Name']}:{execution['Name']}"
    )
    execution.setdefault("Input", input)
    execution.setdefault("StartTime", iso(now))
    execution.setdefault("RedriveCount", 0)
    context = {key: value for key, value in given.items() if not key.startswith("sfn:")}
    context.update(Execution=execution, StateMachine=machine)
    return context


def state_context(
    base: Mapping[str, Json],
    name: str,
    entered_time: str,
    retry_count: int,
    token: str | None = None,
) -> Json:
    """`$$` as a state sees it: the base plus `State` (and `Task.Token` for callbacks)."""
    context = dict(base)
    context["State"] = {"EnteredTime": entered_time, "Name": name, "RetryCount": retry_count}
    if token is not None:
        context["Task"] = {"Token": token}
    return context


def map_item_context(state_context: Mapping[str, Json], index: int, value: Json) -> Json:
    """`$$` for a Map's ItemSelector: adds `Map.Item.Index` and `Map.Item.Value`."""
    return {**state_context, "Map": {"Item": {"Index": index, "Value": value}}}
