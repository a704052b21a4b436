"""Activities for crash tests: each start and end is a ledger line, so tests count side effects.

Loaded by real `sfn worker` / `sfn run` processes (`--activities` this file). A ledger line is
`start|done NAME IDEMPOTENCY_KEY PID EPOCH`. A task given a `gate` folder drops
`<gate>/<name>.running` and then waits for `<gate>/<name>.go` before it writes its `done` line
and returns: the test decides when the activity ends, and so where a kill lands.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from engine.activities import ActivityContext, activity

GATE_LIMIT_SECONDS = 60.0


def note(ledger: str, kind: str, name: str, key: str) -> None:
    """Append one ledger line (one write call, so concurrent writers never interleave)."""
    line = f"{kind} {name} {key} {os.getpid()} {time.time():.6f}\n"
    with open(ledger, "a", encoding="utf-8") as file:
        file.write(line)


def wait_at_gate(gate: str, name: str) -> None:
    """Say we are running, then wait (bounded) until the test opens the gate."""
    folder = Path(gate)
    (folder / f"{name}.running").write_text(str(os.getpid()), encoding="utf-8")
    opened = folder / f"{name}.go"
    deadline = time.monotonic() + GATE_LIMIT_SECONDS
    while not opened.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gate {opened} never opened")
        time.sleep(0.005)


@activity("crash_step")
def crash_step(task: dict, context: ActivityContext) -> dict:
    """A side effect recorded at its start and end; returns a value derived from the input."""
    name = task["name"]
    note(task["ledger"], "start", name, context.idempotency_key)
    if task.get("gate"):
        wait_at_gate(task["gate"], name)
    time.sleep(task.get("sleep", 0))
    note(task["ledger"], "done", name, context.idempotency_key)
    return {"step": name, "value": task.get("value")}


@activity("crash_fail")
def crash_fail(task: dict, context: ActivityContext) -> dict:
    """Record the attempt, then fail with the error named in the input."""
    note(task["ledger"], "start", task["name"], context.idempotency_key)
    error = type(task.get("error", "BranchBroke"), (Exception,), {})
    raise error(task.get("cause", "this branch always fails"))


@activity("crash_square")
def crash_square(number: int) -> int:
    return number * number


@activity("crash_beat")
def crash_beat(task: dict, context: ActivityContext) -> dict:
    """Run `seconds`, sending a heartbeat every `beat` seconds when given."""
    deadline = time.monotonic() + task["seconds"]
    while time.monotonic() < deadline:
        if task.get("beat"):
            context.heartbeat()
        time.sleep(min(task.get("beat") or task["seconds"], max(deadline - time.monotonic(), 0)))
    return {"ran": task["seconds"]}


@activity("crash_flaky")
def crash_flaky(task: dict, context: ActivityContext) -> dict:
    """Fail with Flaky until the attempt number reaches `succeed_on`."""
    note(task["ledger"], "start", "flaky", context.idempotency_key)
    if context.attempt < task["succeed_on"]:
        raise type("Flaky", (Exception,), {})(f"attempt {context.attempt}")
    return {"attempts": context.attempt}


@activity("crash_beat_step")
def crash_beat_step(task: dict, context: ActivityContext) -> dict:
    """A ledgered side effect that runs `seconds`, heartbeating every `beat` seconds."""
    name = task["name"]
    note(task["ledger"], "start", name, context.idempotency_key)
    deadline = time.monotonic() + task["seconds"]
    while time.monotonic() < deadline:
        context.heartbeat()
        time.sleep(min(task["beat"], max(deadline - time.monotonic(), 0)))
    note(task["ledger"], "done", name, context.idempotency_key)
    return {"step": name, "value": task["value"]}


@activity("crash_not_json")
def crash_not_json(task: dict, context: ActivityContext) -> object:
    """Record the run, then return something that is not JSON data (`task["kind"]`)."""
    note(task["ledger"], "start", "not_json", context.idempotency_key)
    if task["kind"] == "deep":
        value: list = []
        for _ in range(3000):
            value = [value]
        return value
    odd = {"datetime": datetime.now(UTC), "set": {1, 2}, "nan": float("nan")}[task["kind"]]
    return {"kept": 1, "t": odd}
