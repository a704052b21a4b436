"""The Wait state: when it ends (Seconds, SecondsPath, Timestamp, TimestampPath, or JSONata's
Seconds and Timestamp expressions) and its timer."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from engine.core.dataflow import effective_input
from engine.core.effects import StartTimer, TimerKind
from engine.core.errors import RUNTIME
from engine.core.events import to_json
from engine.core.exits import plain_exit
from engine.core.outcomes import Outcome, Suspend
from engine.core.queries import bindings, bounded_integer, evaluate, query_exit
from engine.core.run import Run
from engine.definition.model import WaitState
from engine.errors import AslError, QueryEvaluationError
from engine.language.scope import Scope

Json = Any

# ISO-8601 extended offset date-time, as AWS accepts it: a date, `T`, a time, a zone.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def parse_timestamp(text: Json) -> datetime | None:
    """The moment `text` names, or None when it is not an extended offset date-time."""
    if not isinstance(text, str) or not _TIMESTAMP.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def wait_until(state: WaitState, data: Json, scope: Scope, now: datetime) -> datetime:
    if state.seconds is not None:
        return now + timedelta(seconds=state.seconds)
    if state.timestamp is not None:
        moment = parse_timestamp(state.timestamp)
        if moment is None:
            raise AslError(
                RUNTIME,
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                f"date-time format string: {state.timestamp}",
            )
        return moment
    if state.seconds_path is not None:
        return now + timedelta(seconds=_seconds_from_path(state, data, scope))
    return _timestamp_from_path(state, data, scope)


def _referenced(path: Any, field: str, data: Json, scope: Scope) -> Json:
    """The value a SecondsPath/TimestampPath selects, or AWS's error when it selects none."""
    try:
        return path.evaluate(data, scope)
    except AslError as error:
        message = f"The {field} parameter does not reference an input value: {path.source}"
        raise AslError(RUNTIME, message) from error


def _seconds_from_path(state: WaitState, data: Json, scope: Scope) -> int:
    source = state.seconds_path.source
    value = _referenced(state.seconds_path, "SecondsPath", data, scope)
    shown = f"{source} == {value if isinstance(value, str) else to_json(value)}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise AslError(
            RUNTIME, f"The SecondsPath parameter cannot be parsed as a long value: {shown}"
        )
    if value < 0:
        raise AslError(RUNTIME, f"The SecondsPath parameter references a negative value: {shown}")
    return value


def _timestamp_from_path(state: WaitState, data: Json, scope: Scope) -> datetime:
    source = state.timestamp_path.source
    value = _referenced(state.timestamp_path, "TimestampPath", data, scope)
    moment = parse_timestamp(value)
    if moment is None:
        raise AslError(
            RUNTIME,
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
            f"date-time format string: {source} == {value}",
        )
    return moment


def query_wait_until(run: Run, state: WaitState, raw: Json) -> datetime:
    """When a JSONata Wait ends: Seconds (a non-negative integer) or Timestamp."""
    states = bindings(run, raw)
    if state.seconds is not None:
        seconds = bounded_integer(run, "Seconds", state.seconds, states)
        return run.env.now() + timedelta(seconds=seconds)
    text = evaluate(run, state.timestamp, states, expect="string")
    moment = parse_timestamp(text)
    if moment is None:
        raise QueryEvaluationError(
            "The Timestamp field cannot be parsed as an ISO-8601 extended offset "
            f"date-time format string: {text}",
            "Timestamp",
        )
    return moment


def execute_wait(run: Run, state: WaitState, raw: Json) -> Outcome:
    if state.uses_jsonata:
        at, data = query_wait_until(run, state, raw), raw
    else:
        scope = run.scope()
        data = effective_input(state.input_path, raw, scope)
        at = wait_until(state, data, scope, run.env.now())
    timer_id = f"wait/{run.current['entered_event']}"
    run.effect(StartTimer(timer_id, at, TimerKind.WAIT))
    run.await_("timer", timer_id=timer_id, purpose="wait", data=data)
    return Suspend()


def resume_wait(run: Run, state: WaitState, data: Json) -> Outcome:
    """The Wait's timer fired: leave with its (InputPath-selected) input."""
    if state.uses_jsonata:
        return query_exit(run, state, bindings(run, data), data, state.next)
    return plain_exit(state, data, run.scope(), state.next)
