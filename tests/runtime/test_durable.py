"""End to end on a real Redis server with real `sfn worker` / `sfn run` processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from datetime import datetime
from pathlib import Path

import pytest
from support.redis_process import RedisProcess
from support.waiting import wait_for_file
from support.workers import WorkerProcess, descendants, run_sfn

from engine.runtime.engine import Engine

HERE = Path(__file__).resolve().parent
ACTIVITIES = HERE / "fixtures" / "durable_activities.py"
ROOT = HERE.parent.parent
ORDER = ROOT / "workflows" / "order.yaml"
ORDER_INPUT = {
    "order_id": "o-1",
    "customer": {"email": "ada@example.com"},
    "amount": 42,
    "items": [{"sku": "book", "quantity": 1}],
}
FAST = {"SFN_LEASE_SECONDS": "1", "SFN_TIMER_POLL": "0.05"}


def steps(*names: str, **extra: dict) -> dict:
    states = {}
    for position, name in enumerate(names):
        state = {"Type": "Task", "Resource": "dur_step", **extra.get(name, {})}
        state["Parameters"] = {
            "name": name,
            "ledger.$": "$.ledger",
            **({"marker.$": "$.marker", "sleep": 2} if name == "Slow" else {}),
        }
        state["ResultPath"] = f"$.{name}"
        if position + 1 < len(names):
            state["Next"] = names[position + 1]
        else:
            state["End"] = True
        states[name] = state
    return {"StartAt": names[0], "States": states}


def kill_tree(worker: WorkerProcess) -> None:
    """SIGKILL a worker and every process below it: RQ's work horses leave its process group."""
    for pid in descendants(worker.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.process.wait(timeout=30)


def moment(event: dict) -> datetime:
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))


def first(history: list[dict], kind: str) -> dict:
    return next(event for event in history if event["type"] == kind)


def test_sfn_run_order_with_its_embedded_worker(redis_url: str) -> None:
    done = run_sfn(
        ["run", str(ORDER), "--input", json.dumps(ORDER_INPUT), "--json", "--name", "o-1"],
        redis_url=redis_url,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "SUCCEEDED"
    assert result["output"]["confirmation"] == {"message_id": "msg_o-1", "to": "ada@example.com"}
    listed = run_sfn(["executions", "list", "--json"], redis_url=redis_url, cwd=ROOT)
    assert [row["executionId"] for row in json.loads(listed.stdout)] == ["order:o-1"]


@pytest.mark.parametrize("workers", [1, 4])
def test_sfn_run_without_worker_uses_remote_workers(redis_url, sfn_worker, workers) -> None:
    pool = ["--concurrency", str(workers)]
    sfn_worker(activities=[ROOT / "activities"], args=pool, workers=workers)
    done = run_sfn(
        ["run", str(ORDER), "--input", json.dumps(ORDER_INPUT), "--no-worker", "--json"],
        redis_url=redis_url,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["output"]["reservation"]["reservation_id"] == "res_o-1"


@pytest.mark.parametrize("mode", [[], ["--fork"]], ids=["in-process", "fork"])
def test_a_worker_killed_mid_task_is_replaced_and_nothing_committed_reruns(
    redis_url: str, sfn_worker, tmp_path: Path, mode: list[str]
) -> None:
    ledger, marker = tmp_path / "ledger.txt", tmp_path / "marker"
    victim = sfn_worker(activities=[ACTIVITIES], env=FAST, args=mode)
    engine = Engine(redis_url)
    execution = engine.start_execution(
        steps("Before", "Slow", "After"),
        {"ledger": str(ledger), "marker": str(marker)},
        check_resources=False,
    )
    wait_for_file(marker, timeout=30)
    kill_tree(victim)
    sfn_worker(activities=[ACTIVITIES], env=FAST)
    described = engine.wait(execution, timeout=60)
    assert described["status"] == "SUCCEEDED", described
    lines = ledger.read_text().splitlines()
    assert [line.split()[:2] for line in lines if "Before" in line] == [
        ["start", "Before"],
        ["done", "Before"],
    ]
    assert sum(line.startswith("start Slow") for line in lines) == 2
    assert sum(line.startswith("done Slow") for line in lines) == 1
    assert sum(line.startswith("start After") for line in lines) == 1
    output = json.loads(described["output"])
    assert [output[name]["step"] for name in ("Before", "Slow", "After")] == [
        "Before",
        "Slow",
        "After",
    ]


def test_wait_and_timeouts_fire_on_time(redis_url: str, sfn_worker) -> None:
    # Every worker is busy with a sleeping activity: timers must fire anyway.
    sfn_worker(activities=[ACTIVITIES], env=FAST, args=["--concurrency", "3"], workers=3)
    engine = Engine(redis_url)
    wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "End": True}}}
    timeout = {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "dur_sleep", "TimeoutSeconds": 1, "End": True}
        },
    }
    heartbeat = {
        "StartAt": "H",
        "States": {
            "H": {"Type": "Task", "Resource": "dur_sleep", "HeartbeatSeconds": 1, "End": True}
        },
    }
    waited = engine.start_execution(wait, {}, check_resources=False)
    timed = engine.start_execution(timeout, {"seconds": 5}, check_resources=False)
    silent = engine.start_execution(heartbeat, {"seconds": 5}, check_resources=False)
    beating = engine.start_execution(
        heartbeat, {"seconds": 2.5, "beat": 0.3}, check_resources=False
    )
    assert engine.wait(waited, timeout=30)["status"] == "SUCCEEDED"
    history = engine.history(waited)
    took = moment(first(history, "WaitStateExited")) - moment(first(history, "WaitStateEntered"))
    assert 1.0 <= took.total_seconds() <= 3.0
    for execution, error in ((timed, "States.Timeout"), (silent, "States.HeartbeatTimeout")):
        described = engine.wait(execution, timeout=30)
        assert (described["status"], described["error"]) == ("FAILED", error)
        history = engine.history(execution)
        took = moment(first(history, "TaskTimedOut")) - moment(first(history, "TaskScheduled"))
        assert 0.0 <= took.total_seconds() <= 2.0
    assert engine.wait(beating, timeout=30)["status"] == "SUCCEEDED"


def test_a_large_map_on_four_workers_keeps_order(redis_url: str, sfn_worker) -> None:
    sfn_worker(activities=[ACTIVITIES], args=["--concurrency", "4"], workers=4)
    engine = Engine(redis_url)
    processor = {
        "StartAt": "Sq",
        "States": {"Sq": {"Type": "Task", "Resource": "dur_square", "End": True}},
    }
    definition = {
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "MaxConcurrency": 50, "ItemProcessor": processor, "End": True}
        },
    }
    execution = engine.start_execution(definition, list(range(1000)), check_resources=False)
    described = engine.wait(execution, timeout=240)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == [n * n for n in range(1000)]


def test_bad_input_gives_one_clear_message(redis_url: str, tmp_path: Path) -> None:
    engine = Engine(redis_url)
    kept = engine.start_execution(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {"k": 1}, name="kept"
    )
    malformed = run_sfn(["run", str(ORDER), "--input", "{oops"], redis_url=redis_url, cwd=ROOT)
    assert malformed.returncode == 2 and "Traceback" not in malformed.stderr
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"blob": "x" * 300_000}))
    too_big = run_sfn(["run", str(ORDER), "--input-file", str(big)], redis_url=redis_url, cwd=ROOT)
    assert too_big.returncode == 2 and "payload limit" in too_big.stderr
    unknown = run_sfn(["executions", "describe", "order:nobody"], redis_url=redis_url)
    assert unknown.returncode == 1 and "does not exist" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    unreachable = run_sfn(["executions", "list"], redis_url="redis://127.0.0.1:1/0")
    assert unreachable.returncode == 2 and "cannot reach Redis" in unreachable.stderr
    locked = RedisProcess(tmp_path / "locked", password="right")
    locked.start()
    try:
        wrong = locked.url.replace(":right@", ":wrong@")
        refused = run_sfn(["run", str(ORDER)], redis_url=wrong, cwd=ROOT)
        assert refused.returncode == 2 and "password" in refused.stderr
        assert "Traceback" not in refused.stderr and "wrong" not in refused.stderr
    finally:
        locked.kill()
    bogus = tmp_path / "bogus.yaml"
    bogus.write_text("StartAt: T\nStates:\n  T: {Type: Task, Resource: no_such_thing, End: true}\n")
    unknown_resource = run_sfn(["run", str(bogus)], redis_url=redis_url, cwd=ROOT)
    assert unknown_resource.returncode == 2 and "no_such_thing" in unknown_resource.stderr
    assert "Traceback" not in unknown_resource.stderr
    assert [row["executionId"] for row in engine.list_executions()] == [kept]
    assert engine.describe(kept)["status"] == "SUCCEEDED"


@pytest.mark.parametrize("mode", [[], ["--fork"]], ids=["in-process", "fork"])
def test_a_hung_activity_gives_its_worker_back(redis_url, sfn_worker, mode) -> None:
    sfn_worker(activities=[ACTIVITIES], env={**FAST, "SFN_KILL_GRACE_SECONDS": "1"}, args=mode)
    engine = Engine(redis_url)
    hung = {
        "StartAt": "Hang",
        "States": {
            "Hang": {"Type": "Task", "Resource": "dur_sleep", "TimeoutSeconds": 1, "End": True}
        },
    }
    square = {
        "StartAt": "Sq",
        "States": {"Sq": {"Type": "Task", "Resource": "dur_square", "End": True}},
    }
    stuck = engine.start_execution(hung, {"seconds": 600}, check_resources=False)
    after = engine.start_execution(square, 7, check_resources=False)
    assert engine.wait(stuck, timeout=30)["error"] == "States.Timeout"
    described = engine.wait(after, timeout=30)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", 49)
