"""An activity for eager-task tests: its ledger says how each attempt was delivered.

Loaded by real `sfn worker` processes (`--activities` this file) and imported in-process. Each
ledger line is a JSON object: `kind` (start or done), the state `name`, the idempotency `key`,
the task `token`, `job` (the id of the RQ job running it, None for a Task the worker claimed in
its previous commit, which runs after that RQ job ended), `pid` and `at`. A task given a `gate`
folder drops `<gate>/<name>.running` and waits for `<gate>/<name>.go` before it returns.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from rq import get_current_job

from engine.activities import ActivityContext, activity

GATE_LIMIT_SECONDS = 60.0


def note(ledger: str, kind: str, task: dict, context: ActivityContext) -> None:
    """Append one ledger line (one write call, so concurrent writers never interleave)."""
    job = get_current_job()
    line = {
        "kind": kind,
        "name": task["name"],
        "key": context.idempotency_key,
        "token": context.task_token,
        "job": job.id if job is not None else None,
        "pid": os.getpid(),
        "at": time.time(),
    }
    with open(ledger, "a", encoding="utf-8") as file:
        file.write(json.dumps(line) + "\n")


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


@activity("eager_step")
def eager_step(task: dict, context: ActivityContext) -> dict:
    """A side effect recorded at its start and end; returns a value derived from the input."""
    note(task["ledger"], "start", task, context)
    if task.get("gate"):
        wait_at_gate(task["gate"], task["name"])
    note(task["ledger"], "done", task, context)
    return {"step": task["name"], "value": task.get("value")}
