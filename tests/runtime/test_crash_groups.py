"""Crash tests for Map and Parallel: worker pools SIGKILLed at random moments while heartbeating
Tasks run in Maps inside a Parallel.

A killed worker's Task stops heartbeating: it fails with States.HeartbeatTimeout, or its lease
falls due first and it is delivered again; either way Retry gives it another attempt. What must
hold: every item's result is committed once, nothing starts again after its result was
committed, and only killed processes ever ran an item that was run again.
"""

from __future__ import annotations

import json
import random
import time

import pytest
from support.crash import (
    ACTIVITIES,
    FAST,
    events,
    kill_tree,
    moment,
    output_of,
    read_ledger,
    starts,
)
from support.waiting import wait_until
from support.workers import descendants

from engine.runtime.engine import Engine

BOUND = 90
ITEMS = 6
LOST = ["States.HeartbeatTimeout", "Sfn.WorkerLost"]


def beating_map(branch: str) -> dict:
    """A Map over `$.<branch>` whose Task runs longer than its HeartbeatSeconds, so only its
    heartbeats (every 0.1 s) keep it alive."""
    parameters = {"name.$": "$.name", "value.$": "$.value", "ledger.$": "$.ledger"}
    task = {
        "Type": "Task",
        "Resource": "crash_beat_step",
        "Parameters": {**parameters, "seconds": 1.3, "beat": 0.1},
        "HeartbeatSeconds": 1,
        "Retry": [{"ErrorEquals": LOST, "IntervalSeconds": 1, "MaxAttempts": 5}],
        "End": True,
    }
    step, each = f"Step{branch.title()}", f"Each{branch.title()}"
    processor = {"StartAt": step, "States": {step: task}}
    return {
        "StartAt": each,
        "States": {
            each: {
                "Type": "Map",
                "ItemsPath": f"$.{branch}",
                "MaxConcurrency": 3,
                "ItemProcessor": processor,
                "End": True,
            }
        },
    }


def workflow() -> dict:
    both = {"Type": "Parallel", "Branches": [beating_map("left"), beating_map("right")]}
    return {"StartAt": "Both", "States": {"Both": {**both, "End": True}}}


def items(branch: str, ledger: str) -> list[dict]:
    return [{"name": f"{branch}{n}", "value": n, "ledger": ledger} for n in range(ITEMS)]


def commits(history: list[dict]) -> dict[str, list[float]]:
    """When each item's result was committed (its TaskSucceeded), by item name."""
    committed: dict[str, list[float]] = {}
    for event in events(history, "TaskSucceeded"):
        output = json.loads(event["taskSucceededEventDetails"]["output"])
        committed.setdefault(output["step"], []).append(moment(event))
    return committed


@pytest.mark.parametrize("seed", range(2))
def test_worker_pools_killed_during_heartbeating_maps_in_a_parallel(
    redis_url, sfn_worker, tmp_path, monkeypatch, seed
) -> None:
    monkeypatch.setenv("SFN_LEASE_SECONDS", FAST["SFN_LEASE_SECONDS"])
    chooser = random.Random(seed)
    ledger = str(tmp_path / "ledger")
    given = {"left": items("left", ledger), "right": items("right", ledger)}
    engine = Engine(redis_url)
    options = {"activities": [ACTIVITIES], "env": FAST, "args": ["--concurrency", "2"]}
    pool = sfn_worker(**options, workers=2)
    execution = engine.start_execution(workflow(), given, check_resources=False)
    killed: set[int] = set()
    for _ in range(3):
        wait_until(lambda: read_ledger(tmp_path / "ledger"), timeout=BOUND, what="work to start")
        time.sleep(chooser.uniform(0.1, 1.5))  # a random moment of the run, not a synchronisation
        killed |= descendants(pool.pid)
        kill_tree(pool.pid)
        pool.process.wait(timeout=BOUND)
        pool = sfn_worker(**options, workers=2)

    described = engine.wait(execution, timeout=BOUND)
    assert described["status"] == "SUCCEEDED", described
    expected = [
        [{"step": item["name"], "value": item["value"]} for item in given[branch]]
        for branch in ("left", "right")
    ]
    assert output_of(described) == expected
    committed = commits(engine.history(execution))
    entries = read_ledger(tmp_path / "ledger")
    for item in given["left"] + given["right"]:
        name = item["name"]
        assert len(committed.get(name, [])) == 1, f"{name} committed {committed.get(name)}"
        runs = starts(entries, name)
        assert all(run.at <= committed[name][0] + 0.005 for run in runs), (name, runs)
        assert sum(run.pid not in killed for run in runs) <= 1, (name, runs)
    assert any(len(starts(entries, name)) > 1 for name in committed), "no kill hit an item"
