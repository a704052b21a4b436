"""A nested execution (states:startExecution.sync:2) is a durable execution of its own: a
worker SIGKILLed while the child's Task runs is replaced, the child's Task is delivered again,
and the parent gets the child's output once it ends."""

from __future__ import annotations

import json

from support.crash import (
    ACTIVITIES,
    FAST,
    chain,
    chain_output,
    check_ledger,
    kill_tree,
    read_ledger,
    starts,
)
from support.waiting import wait_for_file, wait_until

from engine.runtime.engine import Engine

BOUND = 30  # seconds: nothing may wait longer than this
STEPS = ("Charge", "Ship")
PARENT = {
    "StartAt": "Child",
    "States": {
        "Child": {
            "Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {
                "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child",
                "Input": {"ledger.$": "$.ledger"},
            },
            "End": True,
        }
    },
}


def test_a_worker_killed_inside_the_child_is_replaced_and_the_parent_ends(
    redis_url, sfn_worker, tmp_path
) -> None:
    ledger, gate, workflows = tmp_path / "ledger", tmp_path / "gate", tmp_path / "workflows"
    gate.mkdir()
    workflows.mkdir()
    child = chain(STEPS, Charge={"gate": str(gate)})
    (workflows / "child.asl.json").write_text(json.dumps(child))
    env = {**FAST, "SFN_WORKFLOWS": str(workflows)}
    victim = sfn_worker(activities=[ACTIVITIES], env=env)
    engine = Engine(redis_url)
    given = {"ledger": str(ledger)}
    execution = engine.start_execution(PARENT, given, check_resources=False)
    wait_for_file(gate / "Charge.running", timeout=BOUND)
    kill_tree(victim.pid)
    victim.process.wait(timeout=BOUND)
    sfn_worker(activities=[ACTIVITIES], env=env)
    wait_until(
        lambda: len(starts(read_ledger(ledger), "Charge")) == 2,
        timeout=BOUND,
        what="the child's Charge to be delivered again",
    )
    (gate / "Charge.go").write_text("go")
    described = engine.wait(execution, timeout=BOUND)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["Status"] == "SUCCEEDED"
    assert output["Output"] == chain_output(given, STEPS)
    child_execution = output["ExecutionArn"]
    assert engine.describe(child_execution)["status"] == "SUCCEEDED"
    check_ledger(read_ledger(ledger), engine.history(child_execution), {victim.pid})
    assert len([e for e in engine.history(execution) if e["type"] == "TaskSucceeded"]) == 1
