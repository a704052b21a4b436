"""What an execution did in each state, read from its AWS-shaped history, for `sfn graph`.

Pure: a list of history events in, a small record per state name out. Events of concurrent
Parallel branches or Map iterations may interleave; an error is charged to the state entered
last and not yet exited, which is exact for sequential runs and a fair guess otherwise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

Json = Any
FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
# Failure events charged to the state that caused them (not the execution's own end).
_ERROR_EVENTS = ("Failed", "TimedOut")
_NOT_STATE_ERRORS = ("ExecutionFailed", "ExecutionTimedOut", "MapIterationFailed")
_NOT_STATE_SUCCESSES = ("ExecutionSucceeded", "MapIterationSucceeded")


@dataclass(frozen=True)
class StateRun:
    """`status`: succeeded; retried (succeeded after errors); caught (left through a Catch);
    failed; running. `entered`: how many times the state was entered; `errors`: failures."""

    status: str
    entered: int
    errors: int


def state_runs(history: list[Json], execution_status: str) -> dict[str, StateRun]:
    """Per state name, what the execution did there (states it never entered are absent)."""
    entered: Counter[str] = Counter()
    exited: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    failed: set[str] = set()
    ended_in_error: dict[str, bool] = {}
    open_states: list[str] = []
    for event in history:
        kind = str(event.get("type", ""))
        if name := _name(event, "stateEnteredEventDetails"):
            entered[name] += 1
            open_states.append(name)
            if kind == "FailStateEntered":
                failed.add(name)
        elif name := _name(event, "stateExitedEventDetails"):
            exited[name] += 1
            _remove_last(open_states, name)
        elif open_states and kind.endswith(_ERROR_EVENTS) and kind not in _NOT_STATE_ERRORS:
            errors[open_states[-1]] += 1
            ended_in_error[open_states[-1]] = True
        elif open_states and kind.endswith("Succeeded") and kind not in _NOT_STATE_SUCCESSES:
            ended_in_error[open_states[-1]] = False
    runs = {}
    for name, count in entered.items():
        if name in failed:
            status = "failed"
        elif count > exited[name]:
            status = "failed" if execution_status in FINISHED else "running"
        elif errors[name]:
            status = "caught" if ended_in_error.get(name) else "retried"
        else:
            status = "succeeded"
        runs[name] = StateRun(status, count, errors[name])
    return runs


def _name(event: Json, key: str) -> str | None:
    details = event.get(key)
    name = details.get("name") if isinstance(details, dict) else None
    return name if isinstance(name, str) else None


def _remove_last(names: list[str], name: str) -> None:
    for index in range(len(names) - 1, -1, -1):
        if names[index] == name:
            del names[index]
            return


def run_note(run: StateRun) -> str:
    """The line a state's box gets in an execution drawing: status, times run, errors."""
    parts = [run.status]
    if run.entered > 1:
        parts.append(f"ran {run.entered} times")
    if run.errors:
        parts.append(f"{run.errors} error" + ("s" if run.errors > 1 else ""))
    return ", ".join(parts)
