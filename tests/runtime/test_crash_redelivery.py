"""Each delivery of a Task attempt shows: a worker SIGKILLed mid-activity, the attempt sent
again to another worker, and the history and `sfn executions describe` say so."""

from __future__ import annotations

import json

from support.crash import ACTIVITIES, FAST, events, kill_tree, output_of, read_ledger, starts
from support.waiting import wait_until
from support.workers import run_sfn

from engine.runtime.engine import Engine


def test_a_redelivered_attempt_is_visible_in_history_and_describe(
    redis_url, sfn_worker, tmp_path
) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    ledger = tmp_path / "ledger"
    task = {"Type": "Task", "Resource": "crash_step", "End": True}
    task["Parameters"] = {"name": "Work", "ledger.$": "$.ledger", "gate.$": "$.gate"}
    machine = {"StartAt": "Work", "States": {"Work": task}}
    for _ in range(2):  # the survivor notices the loss and runs the attempt again
        sfn_worker(activities=[ACTIVITIES], env=FAST)
    engine = Engine(redis_url)
    given = {"ledger": str(ledger), "gate": str(gate)}
    execution = engine.start_execution(machine, given, check_resources=False)
    running = gate / "Work.running"
    pid = wait_until(lambda: running.exists() and running.read_text(), timeout=30, what="Work")
    running.unlink()
    kill_tree(int(pid))
    again = wait_until(lambda: running.exists() and running.read_text(), timeout=30, what="again")
    assert again != pid
    (gate / "Work.go").touch()
    described = engine.wait(execution, timeout=30)
    assert described["status"] == "SUCCEEDED", described
    assert output_of(described) == {"step": "Work", "value": None}
    runs = starts(read_ledger(ledger), "Work")
    assert len(runs) == 2 and runs[0].key == runs[1].key  # one attempt, delivered twice
    kinds = [event["type"] for event in engine.history(execution)]
    first = kinds.index("TaskScheduled")
    assert kinds[first:] == [
        "TaskScheduled", "TaskStarted", "TaskStarted", "TaskSucceeded",
        "TaskStateExited", "ExecutionSucceeded",
    ]  # fmt: skip
    assert len(events(engine.history(execution), "TaskStarted")) == 2
    shown = run_sfn(["executions", "describe", execution, "--json"], redis_url=redis_url)
    assert json.loads(shown.stdout)["redeliveryCount"] == 1, shown.stderr
    plain = run_sfn(["executions", "describe", execution], redis_url=redis_url)
    assert "redeliveryCount: 1" in plain.stdout, plain.stdout
