"""Helpers for crash tests: the side-effect ledger, killing process trees, freezing Redis.

The ledger is written by `support/crash_activities.py`; these helpers read it back and check
the durability promise: a step whose result was committed never starts again, and a step starts
again only when the process that ran it died before its result was committed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from support.redis_process import RedisProcess
from support.workers import descendants

ACTIVITIES = Path(__file__).resolve().parent / "crash_activities.py"
# Lost workers are noticed after 1 s of silence; timers are polled every 50 ms.
FAST = {"SFN_LEASE_SECONDS": "1", "SFN_TIMER_POLL": "0.05"}


@dataclass(frozen=True)
class Entry:
    """One ledger line: an activity started or finished."""

    kind: str
    name: str
    key: str
    pid: int
    at: float


def read_ledger(path: Path) -> list[Entry]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        kind, name, key, pid, at = line.split(" ")
        entries.append(Entry(kind, name, key, int(pid), float(at)))
    return entries


def starts(entries: Iterable[Entry], name: str) -> list[Entry]:
    return [entry for entry in entries if entry.kind == "start" and entry.name == name]


def kill_tree(pid: int) -> None:
    """SIGKILL a process and everything below it (RQ work horses leave the process group)."""
    for member in descendants(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


@contextlib.contextmanager
def frozen(server: RedisProcess) -> Iterator[None]:
    """Redis stops answering (SIGSTOP) inside the block: no write can commit meanwhile."""
    assert server.process is not None
    server.process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        server.process.send_signal(signal.SIGCONT)


def moment(event: dict) -> float:
    """A history event's timestamp as epoch seconds."""
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


def events(history: list[dict], kind: str) -> list[dict]:
    return [event for event in history if event["type"] == kind]


def committed_at(history: list[dict], state: str) -> float | None:
    """When the Task state `state` committed its result (its TaskStateExited), if it did."""
    for event in events(history, "TaskStateExited"):
        if event["stateExitedEventDetails"]["name"] == state:
            return moment(event)
    return None


def chain(names: Iterable[str], **task_fields: dict) -> dict:
    """A state machine of `crash_step` Tasks in a row, each result kept under `$.<name>`."""
    names = list(names)
    states = {}
    for position, name in enumerate(names):
        parameters = {"name": name, "ledger.$": "$.ledger", "value": position}
        parameters.update(task_fields.get(name, {}))
        state = {"Type": "Task", "Resource": "crash_step", "Parameters": parameters}
        state.update({"ResultPath": f"$.{name}"})
        if position + 1 < len(names):
            state["Next"] = names[position + 1]
        else:
            state["End"] = True
        states[name] = state
    return {"StartAt": names[0], "States": states}


def chain_output(given: dict, names: Iterable[str]) -> dict:
    """What `chain(names)` outputs when undisturbed."""
    return {**given, **{name: {"step": name, "value": n} for n, name in enumerate(names)}}


def check_ledger(entries: list[Entry], history: list[dict], killed: set[int]) -> None:
    """The promise: no start after a commit; extra starts only by processes that were killed.

    Every Task state must have committed exactly once, every start of it must come before
    that commit, and all but one of its starts must have run in a process in `killed`.
    """
    names = {entry.name for entry in entries}
    for name in names:
        runs = starts(entries, name)
        exits = [
            event
            for event in events(history, "TaskStateExited")
            if event["stateExitedEventDetails"]["name"] == name
        ]
        assert len(exits) == 1, f"{name} committed {len(exits)} times"
        assert all(run.at <= moment(exits[0]) + 0.005 for run in runs), (
            f"{name} started again after its result was committed: {runs}"
        )
        survivors = [run for run in runs if run.pid not in killed]
        assert len(survivors) <= 1, f"{name} ran twice in live processes: {runs}"
        assert len({run.key for run in runs}) == 1, f"{name} changed idempotency key: {runs}"


def output_of(described: dict) -> object:
    return json.loads(described["output"]) if described.get("output") is not None else None
