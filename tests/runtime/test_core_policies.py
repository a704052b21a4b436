"""The core's timing and concurrency rules give the same answer in both shells: engine.testing
(in memory) and the durable runtime (real Redis, real `sfn worker` processes).

Task TimeoutSeconds, HeartbeatSeconds, MaxConcurrency, the tolerance and which failure wins are
decided in `engine.core` only (`task_timers`, `joins`); each shell stores and fires timers and
runs children, nothing more.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import testing
from engine.activities import Registry
from engine.activity_loading import load_activities
from engine.runtime.engine import Engine

ACTIVITIES = Path(__file__).resolve().parent / "fixtures" / "durable_activities.py"
FAST = {"SFN_LEASE_SECONDS": "1", "SFN_TIMER_POLL": "0.05"}


def task(**fields: object) -> dict:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "End": True, **fields}}}


def tolerant_map(count: int) -> dict:
    processor = {
        "StartAt": "I",
        "States": {"I": {"Type": "Task", "Resource": "dur_item", "End": True}},
    }
    state = {"Type": "Map", "ToleratedFailureCount": count, "End": True, "ItemProcessor": processor}
    return {"StartAt": "M", "States": {"M": state}}


# Item 3 fails at once, item 1 a while later: the failures come in non-index order.
ITEMS = [{"i": 0}, {"i": 1, "sleep": 1.0, "fail": "One"}, {"i": 2}, {"i": 3, "fail": "Three"}]
CASES = {
    "map past its tolerance": (tolerant_map(1), ITEMS),
    "map within its tolerance": (tolerant_map(2), ITEMS),
    "task timeout": (task(Resource="dur_sleep", TimeoutSeconds=1), {"seconds": 3}),
    "heartbeat timeout": (task(Resource="dur_sleep", HeartbeatSeconds=1), {"seconds": 3}),
    "heartbeats in time": (
        task(Resource="dur_sleep", HeartbeatSeconds=1),
        {"seconds": 1.5, "beat": 0.2},
    ),
}


def answer(status: str, output: object, error: object, cause: object, history: list) -> tuple:
    timed_out = [
        e["taskTimedOutEventDetails"]["error"] for e in history if e["type"] == "TaskTimedOut"
    ]
    return status, output, error, cause, timed_out


@pytest.fixture(scope="module")
def in_memory() -> dict:
    registry = load_activities([ACTIVITIES], registry=Registry(), entry_points=False)
    return {name: registry.get(name).function for name in registry.names()}


@pytest.mark.parametrize("case", CASES)
def test_both_shells_give_the_same_answer(case: str, in_memory: dict, redis_url: str, sfn_worker):
    definition, given = CASES[case]
    memory = testing.run(definition, given, in_memory)
    expected = answer(memory.status, memory.output, memory.error, memory.cause, memory.history)

    sfn_worker(activities=[ACTIVITIES], env=FAST, args=["--concurrency", "4"], workers=4)
    engine = Engine(redis_url)
    execution = engine.start_execution(definition, given, check_resources=False)
    described = engine.wait(execution, timeout=30)
    history = engine.history(execution)
    output = json.loads(described["output"]) if "output" in described else None
    durable = answer(
        described["status"], output, described.get("error"), described.get("cause"), history
    )
    assert durable == expected
    if case.startswith("map"):
        failed = [
            e["mapIterationFailedEventDetails"]["index"]
            for e in history
            if e["type"] == "MapIterationFailed"
        ]
        assert failed == [3, 1]  # the durable run really saw them out of index order
