"""The context object (`$$`): what a run knows about its execution, state and Map item.

Built from the snapshot on demand, so it is never stored twice and never drifts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

Json = Any


def iso(moment: datetime) -> str:
    """AWS's timestamp text: UTC with milliseconds and a Z."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # Formatted by hand: every state entered stamps one, and isoformat() takes 4x as long.
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond // 1000,
    )


def base_context(
    given: Mapping[str, Json], input: Json, now: datetime, uuid: str, *, child: bool = False
) -> Json:
    """The run's `$$` without `State`: the caller's values, AWS-like defaults for the rest.

    A child run's `Execution.Input` is the execution's, not the child's input: it is left out
    here and supplied by the env when the child builds its `$$` (see `with_execution_input`).
    """
    machine = dict(given.get("StateMachine") or {})
    machine.setdefault("Name", "StateMachine")
    machine.setdefault("Id", f"arn:aws:states:local:000000000000:stateMachine:{machine['Name']}")
    execution = dict(given.get("Execution") or {})
    execution.setdefault("Name", uuid)
    execution.setdefault(
        "Id", f"arn:aws:states:local:000000000000:execution:{machine['Name']}:{execution['Name']}"
    )
    if not child:
        execution.setdefault("Input", input)
    execution.setdefault("StartTime", iso(now))
    execution.setdefault("RedriveCount", 0)
    context = {key: value for key, value in given.items() if not key.startswith("sfn:")}
    context.update(Execution=execution, StateMachine=machine)
    return context


def with_execution_input(base: Mapping[str, Json], load: Callable[[], Json]) -> Json:
    """`base` with `Execution.Input`; `load` gives it when `base` does not carry it (a child)."""
    execution = base["Execution"]
    if "Input" in execution:
        return base
    return {**base, "Execution": {**execution, "Input": load()}}


def without_execution_input(base: Mapping[str, Json]) -> Json:
    """What a child run is given of `base`: all but `Execution.Input` (the env supplies it)."""
    execution = {key: value for key, value in base["Execution"].items() if key != "Input"}
    return {**base, "Execution": execution}


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
