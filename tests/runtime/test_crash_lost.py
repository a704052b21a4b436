"""A worker SIGKILLed mid-task, with no redelivery left, becomes a failure Retry/Catch see.

The bound: Sfn.WorkerLost after the lease (SFN_LEASE_SECONDS) plus a poll; States.Timeout or
States.HeartbeatTimeout at the Task's own limit when that comes first. Times are measured
between the kill and the history event that ends the wait.
"""

from __future__ import annotations

import time

import pytest
from support.crash import ACTIVITIES, FAST, events, kill_tree, moment, output_of
from support.waiting import wait_until

from engine.runtime.engine import Engine

SLOW_LEASE = {**FAST, "SFN_LEASE_SECONDS": "30"}
NO_REDELIVERY = {**FAST, "SFN_LOST_TASK_REDELIVERIES": "0"}
CASES = {
    # name: (worker environment, Task fields, error, seconds from kill to the failure)
    "lease": (NO_REDELIVERY, {}, "Sfn.WorkerLost", 1.0),
    "timeout": (SLOW_LEASE, {"TimeoutSeconds": 2}, "States.Timeout", None),
    "heartbeat": (SLOW_LEASE, {"HeartbeatSeconds": 2}, "States.HeartbeatTimeout", None),
}


def machine(fields: dict, error: str) -> dict:
    task = {"Type": "Task", "Resource": "crash_step", **fields, "Next": "Done"}
    task["Parameters"] = {"name": "Work", "ledger.$": "$.ledger", "gate.$": "$.gate"}
    task["Catch"] = [{"ErrorEquals": [error], "ResultPath": "$.lost", "Next": "Recovered"}]
    states = {
        "Work": task,
        "Recovered": {"Type": "Pass", "Result": "recovered", "ResultPath": "$.note", "End": True},
        "Done": {"Type": "Succeed"},
    }
    return {"StartAt": "Work", "States": states}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_lost_worker_becomes_a_failure_catch_sees(redis_url, sfn_worker, tmp_path, case):
    env, fields, error, bound = CASES[case]
    gate = tmp_path / "gate"
    gate.mkdir()
    given = {"ledger": str(tmp_path / "ledger"), "gate": str(gate)}
    for _ in range(2):  # the survivor's poller notices the loss
        sfn_worker(activities=[ACTIVITIES], env=env)
    engine = Engine(redis_url)
    execution = engine.start_execution(machine(fields, error), given, check_resources=False)
    running = gate / "Work.running"
    pid = wait_until(lambda: running.exists() and running.read_text(), timeout=30, what="Work")
    kill_tree(int(pid))  # the worker process running the activity
    killed_at = time.time()
    described = engine.wait(execution, timeout=30)
    assert described["status"] == "SUCCEEDED", described
    output = output_of(described)
    assert (output["note"], output["lost"]["Error"]) == ("recovered", error)
    history = engine.history(execution)
    ended = events(history, "TaskFailed") + events(history, "TaskTimedOut")
    assert len(ended) == 1
    if bound is None:
        started = moment(events(history, "TaskStarted")[0])
        limit = fields.get("TimeoutSeconds") or fields.get("HeartbeatSeconds")
        assert abs(moment(ended[0]) - started - limit) <= 1.0
    else:
        assert 0 <= moment(ended[0]) - killed_at <= bound + 1.0
