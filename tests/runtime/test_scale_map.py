"""Map and Parallel at scale on real worker processes: order, MaxConcurrency, failing branches."""

from __future__ import annotations

import json

import pytest
from support.crash import ACTIVITIES, FAST, events, read_ledger, starts

from engine import testing
from engine.activities import Registry
from engine.activity_loading import load_activities
from engine.runtime.engine import Engine

ITEMS = 1000
MAX_CONCURRENCY = 50


def squares_map() -> dict:
    processor = {"StartAt": "Sq", "States": {"Sq": {"Type": "Task", "Resource": "crash_square"}}}
    processor["States"]["Sq"]["End"] = True
    state = {"Type": "Map", "MaxConcurrency": MAX_CONCURRENCY, "ItemProcessor": processor}
    return {"StartAt": "Squares", "States": {"Squares": {**state, "End": True}}}


def most_at_once(history: list[dict]) -> int:
    """The largest number of Map iterations running at once, replaying the history in order."""
    running = peak = 0
    for event in history:
        if event["type"] == "MapIterationStarted":
            running += 1
            peak = max(peak, running)
        elif event["type"] in ("MapIterationSucceeded", "MapIterationFailed"):
            running -= 1
    return peak


def test_a_thousand_item_map_on_four_workers(redis_url: str, sfn_worker) -> None:
    sfn_worker(activities=[ACTIVITIES], args=["--concurrency", "4"], workers=4)
    engine = Engine(redis_url)
    items = [(n * 7919) % ITEMS for n in range(ITEMS)]  # a permutation, so order matters
    execution = engine.start_execution(squares_map(), items, check_resources=False)
    described = engine.wait(execution, timeout=150)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == [n * n for n in items]
    history = engine.history(execution)
    assert len(events(history, "MapIterationSucceeded")) == ITEMS
    assert 1 < most_at_once(history) <= MAX_CONCURRENCY


def parallel(catch: bool) -> dict:
    slow = {"Type": "Task", "Resource": "crash_step", "End": True}
    slow["Parameters"] = {"name": "Slow", "ledger.$": "$.ledger", "gate.$": "$.gate"}
    broken = {"Type": "Task", "Resource": "crash_fail", "End": True}
    broken["Parameters"] = {"name": "Broken", "ledger.$": "$.ledger", "error": "BranchBroke"}
    state = {
        "Type": "Parallel",
        "Branches": [
            {"StartAt": "Slow", "States": {"Slow": slow}},
            {"StartAt": "Broken", "States": {"Broken": broken}},
        ],
        "End": True,
    }
    if catch:
        state["Catch"] = [{"ErrorEquals": ["BranchBroke"], "Next": "Caught"}]
        state.pop("End")
        state["Next"] = "Done"
    states = {"Fan": state}
    if catch:
        states["Caught"] = {"Type": "Pass", "End": True}
        states["Done"] = {"Type": "Pass", "End": True}
    return {"StartAt": "Fan", "States": states}


def stable(output: object) -> object:
    """Output without the parts of a Lambda-shaped cause that differ per run (id, stack)."""
    if isinstance(output, dict) and "Cause" in output:
        cause = json.loads(output["Cause"])
        return {**output, "Cause": (cause["errorType"], cause["errorMessage"])}
    return output


def in_memory(definition: dict, given: dict) -> testing.Result:
    registry = load_activities([ACTIVITIES], registry=Registry(), entry_points=False)
    functions = {name: registry.get(name) for name in registry.names()}
    return testing.run(definition, given, activities=functions)


@pytest.mark.parametrize("catch", [False, True], ids=["fails", "caught"])
def test_a_failing_branch_fails_the_parallel(redis_url, sfn_worker, tmp_path, catch) -> None:
    sfn_worker(activities=[ACTIVITIES], env=FAST, args=["--concurrency", "2"], workers=2)
    engine = Engine(redis_url)
    gate = tmp_path / "gate"
    gate.mkdir()
    given = {"ledger": str(tmp_path / "ledger"), "gate": str(gate)}
    execution = engine.start_execution(parallel(catch), given, check_resources=False)
    described = engine.wait(execution, timeout=30)
    # The failure ends the Parallel while its other branch still runs (its gate is shut).
    assert not (gate / "Slow.go").exists()
    (gate / "Slow.go").write_text("go")
    (gate / "Broken.go").write_text("go")
    opened = tmp_path / "open"
    opened.mkdir()
    (opened / "Slow.go").write_text("go")
    elsewhere = {"gate": str(opened), "ledger": str(tmp_path / "memory-ledger")}
    expected = in_memory(parallel(catch), {**given, **elsewhere})
    output = json.loads(described["output"]) if described.get("output") else None
    got = (described["status"], stable(output), described.get("error"))
    assert got == (expected.status, stable(expected.output), expected.error)
    if catch:
        assert output["Error"] == "BranchBroke"
    else:
        assert (described["status"], described["error"]) == ("FAILED", "BranchBroke")
        assert "always fails" in json.loads(described["cause"])["errorMessage"]
    history = engine.history(execution)
    assert len(events(history, "ParallelStateFailed")) == 1
    assert not events(history, "ParallelStateSucceeded")
    assert len(starts(read_ledger(tmp_path / "ledger"), "Broken")) == 1
