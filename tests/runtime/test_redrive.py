"""RedriveExecution on a real Redis with real workers: FAILED, TIMED_OUT and ABORTED executions
continue from the state they ended in; a Map or Parallel runs again only the children that did
not succeed (calls counted in a ledger); AWS's refusals."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from support.inspection import group_record, listed_run_histories, record_ids, records
from support.waiting import wait_until

from engine.runtime import keys
from engine.runtime.engine import Engine, ExecutionNotRedrivable

ACTIVITIES = Path(__file__).parent / "fixtures" / "redrive_activities.py"
ITEM = {"Type": "Task", "Resource": "redrive_item", "End": True}


class Starter(Engine):
    """The workers have the activities; this process need not."""

    def start_execution(self, definition, input=None, name=None, **options) -> str:
        return super().start_execution(definition, input, name, check_resources=False)


@pytest.fixture
def engine(redis_url: str, sfn_worker) -> Engine:
    sfn_worker(activities=[ACTIVITIES], args=["--concurrency", "2"], workers=2)
    return Starter(redis_url)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    gate = tmp_path / "gate"
    gate.mkdir()
    names = {"ledger": tmp_path / "ledger", "fixed": tmp_path / "fixed", "gate": gate}
    return {name: str(path) for name, path in names.items()}


def calls(files: dict[str, str]) -> Counter[int]:
    return Counter(int(line) for line in Path(files["ledger"]).read_text().split())


def types(engine: Engine, execution: str) -> list[str]:
    return [event["type"] for event in engine.history(execution)]


def map_of_items(files: dict[str, str], mode: str = "INLINE") -> dict:
    """One at a time, one failure tolerated: item 3 fails, the rest run, item 9's failure ends
    the Map; 8 iterations succeeded and are kept."""
    selector = {"item.$": "$$.Map.Item.Value", "broken": [3, 9]}
    selector |= {name: files[name] for name in ("ledger", "fixed")}
    processor = {"ProcessorConfig": {"Mode": mode}, "StartAt": "It", "States": {"It": ITEM}}
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": processor,
                "ItemSelector": selector,
                "MaxConcurrency": 1,
                "ToleratedFailureCount": 1,
                "End": True,
            }
        },
    }


def test_a_redriven_map_runs_only_its_failed_iterations(engine: Engine, files) -> None:
    execution = engine.start_execution(map_of_items(files), list(range(10)))
    failed = engine.wait(execution, timeout=60)
    assert failed["status"] == "FAILED"
    assert failed["error"] == "States.ExceedToleratedFailureThreshold"
    assert calls(files) == Counter(range(10))
    Path(files["fixed"]).touch()
    assert engine.redrive(execution)["redriveCount"] == 1
    done = engine.wait(execution, timeout=60)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == [item * 10 for item in range(10)]
    assert calls(files) == Counter(range(10)) + Counter([3, 9])
    history = engine.history(execution)
    redriven = [e for e in history if e["type"] == "ExecutionRedriven"]
    assert [e["executionRedrivenEventDetails"] for e in redriven] == [{"redriveCount": 1}]
    after = history[history.index(redriven[0]) :]
    indexes = [
        e["mapIterationStartedEventDetails"]["index"]
        for e in after
        if e["type"] == "MapIterationStarted"
    ]
    assert indexes == [3, 9]
    assert "redrive_results" not in records(engine.redis, execution)


def test_a_redriven_distributed_map_redrives_its_map_run(engine: Engine, files) -> None:
    execution = engine.start_execution(map_of_items(files, "DISTRIBUTED"), list(range(10)))
    assert engine.wait(execution, timeout=60)["status"] == "FAILED"
    Path(files["fixed"]).touch()
    engine.redrive(execution)
    done = engine.wait(execution, timeout=60)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == [item * 10 for item in range(10)]
    assert calls(files) == Counter(range(10)) + Counter([3, 9])
    history = engine.history(execution)
    (started,) = [e["mapRunStartedEventDetails"] for e in history if e["type"] == "MapRunStarted"]
    (redriven,) = [
        e["mapRunRedrivenEventDetails"] for e in history if e["type"] == "MapRunRedriven"
    ]
    assert redriven == {"mapRunArn": started["mapRunArn"], "redriveCount": 1}
    # The iterations' own histories (12 runs) are listed for retention once the execution ends.
    assert len(listed_run_histories(engine.redis, execution)) == 12


def test_a_redriven_parallel_runs_only_its_failed_branch(engine: Engine, files) -> None:
    def branch(item: int, **extra) -> dict:
        parameters = {"item": item, "ledger": files["ledger"], "fixed": files["fixed"], **extra}
        return {"StartAt": f"B{item}", "States": {f"B{item}": {**ITEM, "Parameters": parameters}}}

    branches = [branch(0), branch(1), branch(2, broken=[2], gate=files["gate"])]
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": branches, "End": True}},
    }
    execution = engine.start_execution(definition, {})
    # The broken branch fails only once the other two have committed their results.
    wait_until(lambda: _results_stored(engine, execution) == 2, what="two branches' results")
    Path(files["gate"], "go").touch()
    assert engine.wait(execution, timeout=60)["status"] == "FAILED"
    Path(files["fixed"]).touch()
    engine.redrive(execution)
    done = engine.wait(execution, timeout=60)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == [0, 10, 20]
    assert calls(files) == Counter({0: 1, 1: 1, 2: 2})


def _results_stored(engine: Engine, execution: str) -> int:
    groups = record_ids(engine.redis, execution, "group_results")
    return sum(len(group_record(engine.redis, execution, g, "group_results")) for g in groups)


def gated_task(files: dict[str, str], **top) -> dict:
    parameters = {"item": 1, **files}
    return {"StartAt": "T", "States": {"T": {**ITEM, "Parameters": parameters}}, **top}


def test_a_timed_out_execution_is_redriven(engine: Engine, files) -> None:
    execution = engine.start_execution(gated_task(files, TimeoutSeconds=2), {})
    timed_out = engine.wait(execution, timeout=30)
    assert timed_out["status"] == "TIMED_OUT"
    assert timed_out["redriveStatus"] == "REDRIVABLE"
    Path(files["gate"], "go").touch()
    assert engine.redrive(execution)["status"] == "RUNNING"
    done = engine.wait(execution, timeout=30)
    assert done["status"] == "SUCCEEDED" and done["output"] == "10"
    assert calls(files) == Counter({1: 2})
    assert types(engine, execution).count("ExecutionRedriven") == 1


def test_an_aborted_execution_is_redriven(engine: Engine, files) -> None:
    execution = engine.start_execution(gated_task(files), {})
    wait_until(lambda: Path(files["gate"], "1.running").exists(), what="the task to run")
    assert engine.stop(execution, "Halt")["status"] == "ABORTED"
    Path(files["gate"], "go").touch()
    redriven = engine.redrive(execution)
    assert redriven["redriveCount"] == 1 and "redriveDate" in redriven
    done = engine.wait(execution, timeout=30)
    assert done["status"] == "SUCCEEDED" and done["redriveCount"] == 1
    wait_until(lambda: calls(files)[1] == 2, what="the second call")
    assert [
        t for t in types(engine, execution) if t in ("ExecutionAborted", "ExecutionRedriven")
    ] == ["ExecutionAborted", "ExecutionRedriven"]


def test_a_succeeded_execution_is_not_redriven(engine: Engine) -> None:
    done = engine.start_execution({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    described = engine.wait(done, timeout=30)
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    reason = "Execution is SUCCEEDED and cannot be redriven."
    assert described["redriveStatusReason"] == reason
    with pytest.raises(ExecutionNotRedrivable, match=re.escape(reason)):
        engine.redrive(done)
    assert types(engine, done)[-1] == "ExecutionSucceeded"


def test_an_execution_ended_over_14_days_ago_is_not_redriven(engine: Engine) -> None:
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}
    execution = engine.start_execution(failing)
    assert engine.wait(execution, timeout=30)["status"] == "FAILED"
    engine.redis.hset(keys.meta(execution), "stopDate", "2000-01-01T00:00:00.000Z")
    with pytest.raises(ExecutionNotRedrivable, match=r"Execution redrivable period exceeded\."):
        engine.redrive(execution)
    assert engine.describe(execution)["status"] == "FAILED"
