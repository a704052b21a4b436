"""Stopping a parent stops the nested executions its Tasks wait for (`startExecution.sync`,
`.sync:2`), as AWS stops the job of a `.sync` Task whose execution is stopped; a child started
without waiting (`startExecution`) runs on. Real `sfn worker` processes on a real Redis."""

from __future__ import annotations

import json

from support.crash import FAST
from support.waiting import wait_until

from engine.runtime.engine import Engine

BOUND = 30  # seconds: nothing may wait longer than this
SLOW = {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 600, "End": True}}}


def nested(pattern: str, machine: str) -> dict:
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::states:startExecution{pattern}",
        "Parameters": {
            "StateMachineArn": f"arn:aws:states:us-east-1:123456789012:stateMachine:{machine}",
            "Input": {},
        },
        "End": True,
    }


def branch(pattern: str, machine: str) -> dict:
    state = f"Start {machine}"
    return {"StartAt": state, "States": {state: nested(pattern, machine)}}


# Three children: one waited for (.sync:2), one inside a nested .sync child (a grandchild),
# one started and left to run (no pattern).
PARENT = {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [branch(".sync:2", "middle"), branch("", "free")],
            "End": True,
        }
    },
}
MIDDLE = {"StartAt": "Inner", "States": {"Inner": nested(".sync", "slow")}}


def children(engine: Engine, machine: str) -> list[dict]:
    return engine.list_executions(machine)


def test_stopping_a_parent_stops_its_sync_children_and_leaves_the_others(
    redis_url, sfn_worker, tmp_path
) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    for name, definition in (("middle", MIDDLE), ("slow", SLOW), ("free", SLOW)):
        (workflows / f"{name}.asl.json").write_text(json.dumps(definition))
    sfn_worker(args=["--workflows", str(workflows)], env=FAST)
    engine = Engine(redis_url)
    parent = engine.start_execution(PARENT, {}, check_resources=False)
    wait_until(
        lambda: all(children(engine, name) for name in ("middle", "slow", "free")),
        timeout=BOUND,
        what="the child, grandchild and free child to start",
    )
    [middle], [slow], [free] = (children(engine, name) for name in ("middle", "slow", "free"))
    assert {middle["status"], slow["status"], free["status"]} == {"RUNNING"}

    stopped = engine.stop(parent, "Operator.Stop", "enough")
    assert stopped["status"] == "ABORTED"
    ended = wait_until(
        lambda: all(
            engine.describe(child["executionArn"])["status"] == "ABORTED"
            for child in (middle, slow)
        ),
        timeout=BOUND,
        what="the waited-for child and grandchild to be stopped",
    )
    assert ended
    described = engine.describe(middle["executionArn"])
    assert described["cause"] == f"The parent execution {stopped['executionArn']} was stopped."
    assert engine.describe(slow["executionArn"])["cause"] == (
        f"The parent execution {middle['executionArn']} was stopped."
    )
    # the parent's history is not touched by its children's stops
    assert engine.history(parent)[-1]["type"] == "ExecutionAborted"
    # a child started without .sync is its own: it runs on
    assert engine.describe(free["executionArn"])["status"] == "RUNNING"
    engine.stop(free["executionArn"])
