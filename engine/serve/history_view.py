"""An execution's history as the UI shows it: per-state entries with their attempts, and
each event's state and elapsed time. Pure: AWS-shaped events in, records out.

Events of concurrent Parallel branches or Map iterations may interleave; an event that names no
state is charged to the state entered last and not yet left (exact for sequential runs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Json = Any
# Task tokens are 128 random bits in hex; they are masked wherever the UI shows text.
TOKEN = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{32}(?![0-9a-fA-F])")
# A Task state's attempt is recorded as Task* events, or LambdaFunction* / Activity* events
# when its Resource is a Lambda function or an activity ARN (as AWS records them).
ATTEMPT_FAMILIES = ("Task", "LambdaFunction", "Activity")
ATTEMPT_STARTS = {family + "Scheduled" for family in ATTEMPT_FAMILIES}
ATTEMPT_ENDS = {
    family + suffix: outcome
    for family in ATTEMPT_FAMILIES
    for suffix, outcome in (
        ("Succeeded", "succeeded"),
        ("Failed", "failed"),
        ("TimedOut", "timed out"),
        ("SubmitFailed", "failed"),
        ("StartFailed", "failed"),
        ("ScheduleFailed", "failed"),
    )
}
ATTEMPT_SUCCESSES = {family + "Succeeded" for family in ATTEMPT_FAMILIES}
DETAILS_KEYS: dict[str, str] = {}  # event type -> its details key, filled as types are met
ITERATION_ENDS = ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted")


@dataclass
class Attempt:
    number: int
    start_ms: int
    end_ms: int | None = None
    outcome: str = "running"
    error: str | None = None
    cause: str | None = None


@dataclass
class StateEntry:
    """One entry into a state: what went in and out, the errors, the Task attempts."""

    name: str
    type: str
    lane: str
    entered_event: int
    start_ms: int
    input: str | None
    exited_event: int | None = None
    end_ms: int | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """It ended in an error (its own, or a Fail state, whose error AWS records only on the
        execution's or the Map iteration's end)."""
        return self.error is not None or self.type == "Fail"


@dataclass
class EventRow:
    id: int
    type: str
    state: str | None
    elapsed_ms: int
    event: Json


@dataclass
class HistoryView:
    entries: list[StateEntry]
    events: list[EventRow]
    duration_ms: int


def mask_tokens(text: str) -> str:
    """`text` with every task token shown as its first 4 characters and a mask."""
    return TOKEN.sub(lambda match: match.group(0)[:4] + "…(masked)", text)


def analyse(history: list[Json]) -> HistoryView:
    """Walk the events once: state entries (with attempts) and the table's rows."""
    if not history:
        return HistoryView([], [], 0)
    origin = _time(history[0])
    entries: list[StateEntry] = []
    rows: list[EventRow] = []
    open_entries: list[StateEntry] = []
    lanes: list[str] = ["main"]
    elapsed, stamp = 0, None
    for event in history:
        if event.get("timestamp") != stamp:  # events of one step share their timestamp
            stamp = event.get("timestamp")
            elapsed = max(0, int((_time(event) - origin).total_seconds() * 1000))
        kind = str(event.get("type", ""))
        state = _enter_or_exit(event, kind, elapsed, lanes[-1], entries, open_entries)
        current = open_entries[-1] if open_entries else None
        if state is None and current is not None:
            state = current.name
            _task_event(current, kind, event, elapsed)
        _lane(kind, event, lanes, current)
        rows.append(EventRow(int(event.get("id", len(rows) + 1)), kind, state, elapsed, event))
    return HistoryView(entries, rows, elapsed)


def _enter_or_exit(event, kind, elapsed, lane, entries, open_entries) -> str | None:
    entered = event.get("stateEnteredEventDetails")
    if isinstance(entered, dict):
        entry = StateEntry(
            name=str(entered.get("name", "")),
            type=kind.removesuffix("StateEntered"),
            lane=lane,
            entered_event=int(event.get("id", 0)),
            start_ms=elapsed,
            input=entered.get("input"),
        )
        entries.append(entry)
        open_entries.append(entry)
        return entry.name
    exited = event.get("stateExitedEventDetails")
    if isinstance(exited, dict):
        name = str(exited.get("name", ""))
        for index in range(len(open_entries) - 1, -1, -1):
            if open_entries[index].name == name:
                entry = open_entries.pop(index)
                entry.exited_event = int(event.get("id", 0))
                entry.end_ms = elapsed
                entry.output = exited.get("output")
                break
        return name
    return None


def _task_event(entry: StateEntry, kind: str, event: Json, elapsed: int) -> None:
    details = _details(event)
    if kind in ATTEMPT_STARTS:
        entry.attempts.append(Attempt(len(entry.attempts) + 1, elapsed))
    elif kind in ATTEMPT_ENDS and entry.attempts:
        attempt = entry.attempts[-1]
        attempt.end_ms = elapsed
        attempt.outcome = ATTEMPT_ENDS[kind]
        attempt.error, attempt.cause = details.get("error"), details.get("cause")
    if kind in ATTEMPT_SUCCESSES:  # a retry that succeeded: the entry did not fail
        entry.error = entry.cause = None
    if kind.endswith(("Failed", "TimedOut", "Aborted")) and (
        "error" in details or "cause" in details
    ):
        entry.error = details.get("error", entry.error)
        entry.cause = details.get("cause", entry.cause)


def _lane(kind: str, event: Json, lanes: list[str], current: StateEntry | None) -> None:
    if kind == "MapIterationStarted":
        details = _details(event)
        name = details.get("name", current.name if current else "Map")
        lanes.append(f"{name} #{details.get('index', '?')}")
    elif kind in ITERATION_ENDS and len(lanes) > 1:
        lanes.pop()


def _details(event: Json) -> dict:
    """The event's details record, named after its type as AWS names it."""
    kind = str(event.get("type", ""))
    key = DETAILS_KEYS.get(kind)
    if key is None:
        key = DETAILS_KEYS[kind] = kind[:1].lower() + kind[1:] + "EventDetails"
    value = event.get(key)
    return value if isinstance(value, dict) else {}


def _time(event: Json) -> datetime:
    return datetime.fromisoformat(str(event.get("timestamp", "1970-01-01T00:00:00Z")))
