"""Helpers for eager-task tests: Task chains, how each attempt was delivered, what is left.

An attempt's record (from `tests/runtime/test_eager.py`'s in-process probe or the ledger of
`support/eager_activities.py`) holds its task `token` and `job`: the id of the RQ job that ran
it, or None for a Task the worker claimed in its previous commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import redis

from engine.runtime import tokens
from engine.runtime.engine import Engine
from engine.runtime.store import ROOT
from support.crash import Entry
from support.inspection import records, token_records
from support.workers import descendants

ACTIVITIES = Path(__file__).resolve().parent / "eager_activities.py"
PROBE = "eager_probe"  # the in-process activity of tests/runtime/test_eager.py
# What an ended execution keeps (see tests/runtime/test_key_census.py).
KEPT = {"meta", "history", f"run:{ROOT}", "done"}


def chain(
    names: list[str],
    resources: dict[str, str] | None = None,
    fields: dict[str, dict] | None = None,
) -> dict:
    """Tasks in a row, each result kept under `$.<name>`: `resources` gives a state's Resource
    (default `PROBE`), `fields` adds Parameters per state."""
    states = {}
    for position, name in enumerate(names):
        parameters = {"name": name, **(fields or {}).get(name, {})}
        resource = (resources or {}).get(name, PROBE)
        state = {"Type": "Task", "Resource": resource, "Parameters": parameters}
        state["ResultPath"] = f"$.{name}"
        if position + 1 < len(names):
            state["Next"] = names[position + 1]
        else:
            state["End"] = True
        states[name] = state
    return {"StartAt": names[0], "States": states}


def how(run: dict) -> str:
    """`queued` for a Task run by the RQ job named by its token (`tokens.job_id`), `claimed` for
    one run with no RQ job, else the id of the job that ran it (a redelivery: `<ref>-<n>`)."""
    if run["job"] == tokens.job_id(run["token"]):
        return "queued"
    return "claimed" if run["job"] is None else run["job"]


def without_timestamps(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in event.items() if k != "timestamp"} for event in history]


def awaited_token(engine: Engine, execution: str) -> str:
    return engine.store.run(execution, ROOT).snapshot["awaiting"]["token"]


def ledger_of(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def started(entries: list[dict], name: str) -> list[dict]:
    return [entry for entry in entries if entry["kind"] == "start" and entry["name"] == name]


def as_crash_entries(entries: list[dict]) -> list[Entry]:
    return [Entry(e["kind"], e["name"], e["key"], e["pid"], e["at"]) for e in entries]


def stepped(names: list[str], ledger: Path, gate: Path | None = None, gated: str = "") -> dict:
    """A chain of `eager_step` Tasks (support/eager_activities.py); `gated` waits at `gate`."""
    fields = {name: {"ledger": str(ledger), "value": n} for n, name in enumerate(names)}
    if gate is not None:
        fields[gated]["gate"] = str(gate)
    return chain(names, dict.fromkeys(names, "eager_step"), fields)


def stepped_output(names: list[str]) -> dict:
    return {name: {"step": name, "value": n} for n, name in enumerate(names)}


def no_leftovers(client: redis.Redis, execution: str) -> None:
    """An ended execution keeps only its meta, history, root run and done marker."""
    assert records(client, execution) == KEPT
    assert token_records(client) == []


def in_a_map(processor: dict) -> dict:
    """A Map over one item whose iteration is `processor` (its Tasks run in a child run)."""
    each = {"Type": "Map", "ItemProcessor": processor, "End": True}
    return {"StartAt": "Each", "States": {"Each": each}}


def rq_worker_key(client: redis.Redis, pid: int) -> str:
    """The Redis hash of the RQ worker running in process `pid` or below it."""
    family = descendants(pid)
    for key in client.smembers("rq:workers"):
        if int(client.hget(key, "pid") or 0) in family:
            return key.decode()
    raise AssertionError(f"no RQ worker registered for {pid}")
