"""Crash tests: processes and the Redis server die at random points; executions still finish.

Every test counts side effects in a ledger file written by the activities
(tests/runtime/fixtures/durable_activities.py) and checks that a step ran again only when the
process running it died before its result was committed.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from support.waiting import wait_for_file, wait_until
from support.workers import descendants, process_env, run_sfn, sfn_command

from engine.runtime.engine import Engine

HERE = Path(__file__).resolve().parent
ACTIVITIES = HERE / "fixtures" / "durable_activities.py"
FAST = {"SFN_LEASE_SECONDS": "1", "SFN_TIMER_POLL": "0.05"}
STEPS = ("Before", "Slow", "After")


def definition(sleep: float = 1.5) -> dict:
    states = {}
    for position, name in enumerate(STEPS):
        parameters = {"name": name, "ledger.$": "$.ledger", "value": position}
        if name == "Slow":
            parameters.update({"marker.$": "$.marker", "sleep": sleep})
        state = {"Type": "Task", "Resource": "dur_step", "Parameters": parameters}
        state["ResultPath"] = f"$.{name}"
        if position + 1 < len(STEPS):
            state["Next"] = STEPS[position + 1]
        else:
            state["End"] = True
        states[name] = state
    return {"StartAt": STEPS[0], "States": states}


def expected_output(given: dict) -> dict:
    return {**given, **{name: {"step": name, "value": n} for n, name in enumerate(STEPS)}}


def kill_tree(pid: int) -> None:
    for member in descendants(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


def committed_steps(engine: Engine, execution: str) -> set[str]:
    """The steps whose result is in the history (TaskStateExited) right now."""
    return {
        event["stateExitedEventDetails"]["name"]
        for event in engine.history(execution)
        if event["type"] == "TaskStateExited"
    }


def starts(ledger: Path) -> dict[str, int]:
    counts = dict.fromkeys(STEPS, 0)
    for line in ledger.read_text().splitlines():
        kind, name, _ = line.split(" ", 2)
        if kind == "start":
            counts[name] += 1
    return counts


@pytest.mark.parametrize("seed", range(4))
def test_kill_a_worker_at_a_random_point(redis_url, sfn_worker, tmp_path: Path, seed) -> None:
    chooser = random.Random(seed)
    ledger, marker = tmp_path / "ledger.txt", tmp_path / "marker"
    given = {"ledger": str(ledger), "marker": str(marker)}
    victim = sfn_worker(activities=[ACTIVITIES], env=FAST)
    engine = Engine(redis_url)
    execution = engine.start_execution(definition(sleep=0.3), given, check_resources=False)
    wait_for_file(marker, timeout=30)
    # Somewhere between "Slow is running" and "After has finished".
    time.sleep(chooser.uniform(0, 0.6))
    kill_tree(victim.pid)
    victim.process.wait(timeout=30)
    done_before_kill = committed_steps(engine, execution)
    sfn_worker(activities=[ACTIVITIES], env=FAST)
    described = engine.wait(execution, timeout=60)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == expected_output(given)
    counts = starts(ledger)
    for name in STEPS:
        assert counts[name] == 1 if name in done_before_kill else 1 <= counts[name] <= 2


def test_kill_sfn_run_and_resume_it(redis_url: str, tmp_path: Path) -> None:
    ledger, marker = tmp_path / "ledger.txt", tmp_path / "marker"
    given = {"ledger": str(ledger), "marker": str(marker)}
    workflow = tmp_path / "steps.json"
    workflow.write_text(json.dumps(definition()))
    args = ["run", str(workflow), "--input", json.dumps(given), "--name", "resumable", "--json"]
    args += ["--activities", str(ACTIVITIES)]
    first = subprocess.Popen(
        sfn_command(args),
        env=process_env(redis_url, FAST),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_file(marker, timeout=30)
    kill_tree(first.pid)
    first.wait(timeout=30)
    engine = Engine(redis_url)
    assert engine.describe("steps:resumable")["status"] == "RUNNING"
    again = run_sfn(args, redis_url=redis_url, env=FAST)
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["executionId"] == "steps:resumable"
    assert result["output"] == expected_output(given)
    assert starts(ledger) == {"Before": 1, "Slow": 2, "After": 1}


def test_restart_redis_mid_execution(redis_server, redis_url, sfn_worker, tmp_path) -> None:
    ledger, marker = tmp_path / "ledger.txt", tmp_path / "marker"
    given = {"ledger": str(ledger), "marker": str(marker)}
    sfn_worker(activities=[ACTIVITIES], env=FAST)
    engine = Engine(redis_url)
    execution = engine.start_execution(definition(sleep=2), given, check_resources=False)
    wait_for_file(marker, timeout=30)
    redis_server.restart()
    engine = Engine(redis_url)
    described = wait_until(
        lambda: (d := engine.wait(execution, timeout=1))["status"] != "RUNNING" and d,
        timeout=60,
        what="the execution to finish after the restart",
    )
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == expected_output(given)
    counts = starts(ledger)
    assert counts["Before"] == 1 and counts["After"] == 1 and 1 <= counts["Slow"] <= 2


@pytest.mark.parametrize("mode", [[], ["--fork"]], ids=["in-process", "fork"])
def test_killed_after_the_activity_returned_before_the_commit(
    redis_url, sfn_worker, tmp_path: Path, mode: list[str]
) -> None:
    ledger, died = tmp_path / "ledger.txt", tmp_path / "died"
    given = {"ledger": str(ledger), "marker": str(tmp_path / "marker")}
    env = {**FAST, "SFN_TEST_DIE_MARKER": str(died)}
    victim = sfn_worker(
        activities=[ACTIVITIES, HERE / "fixtures" / "die_before_commit.py"], env=env, args=mode
    )
    engine = Engine(redis_url)
    execution = engine.start_execution(definition(sleep=0), given, check_resources=False)
    wait_for_file(died, timeout=30)
    assert committed_steps(engine, execution) == set()
    kill_tree(victim.pid)
    sfn_worker(activities=[ACTIVITIES], env=FAST)
    described = engine.wait(execution, timeout=60)
    assert json.loads(described["output"]) == expected_output(given)
    # "Before" returned once before the crash, uncommitted: it ran again, and only it.
    assert starts(ledger) == {"Before": 2, "Slow": 1, "After": 1}


def test_sfn_run_rides_out_a_redis_restart(redis_server, redis_url, tmp_path: Path) -> None:
    ledger, marker = tmp_path / "ledger.txt", tmp_path / "marker"
    given = {"ledger": str(ledger), "marker": str(marker)}
    workflow = tmp_path / "steps.json"
    workflow.write_text(json.dumps(definition(sleep=2)))
    args = ["run", str(workflow), "--input", json.dumps(given), "--json"]
    args += ["--activities", str(ACTIVITIES)]
    running = subprocess.Popen(
        sfn_command(args),
        env=process_env(redis_url, FAST),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_file(marker, timeout=30)
        redis_server.restart()
        stdout, stderr = running.communicate(timeout=90)
    finally:
        kill_tree(running.pid)
    assert running.returncode == 0, stderr
    assert json.loads(stdout)["output"] == expected_output(given)
    counts = starts(ledger)
    assert counts["Before"] == 1 and counts["After"] == 1 and 1 <= counts["Slow"] <= 2
