"""Crash tests: SIGKILL real `sfn worker` processes at seeded random points of an execution.

Each test counts side effects in a ledger (support/crash_activities.py) and checks, with
`check_ledger`, that a committed step never ran again and that a step ran again only when the
process running it was killed before its result was committed.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
from support.crash import (
    ACTIVITIES,
    FAST,
    chain,
    chain_output,
    check_ledger,
    committed_at,
    frozen,
    kill_tree,
    output_of,
    read_ledger,
    starts,
)
from support.crash import (
    moment as moment_of,
)
from support.waiting import wait_for_file, wait_until
from support.workers import descendants

from engine.runtime.engine import Engine

STEPS = ("Charge", "Reserve", "Ship", "Notify")
BOUND = 30  # seconds: nothing may wait longer than this


def gated(gate: Path) -> dict:
    return chain(STEPS, **{name: {"gate": str(gate)} for name in STEPS})


def open_gate(gate: Path, name: str) -> None:
    (gate / f"{name}.go").write_text("go")


def run_gated_until(engine: Engine, gate: Path, victim: str) -> None:
    """Let the steps before `victim` finish, and wait until `victim` runs."""
    for name in STEPS:
        wait_for_file(gate / f"{name}.running", timeout=BOUND)
        if name == victim:
            return
        open_gate(gate, name)


def finish(engine: Engine, execution: str, gate: Path, after: str) -> dict:
    for name in STEPS[STEPS.index(after) :]:
        open_gate(gate, name)
    described = engine.wait(execution, timeout=BOUND)
    assert described["status"] == "SUCCEEDED", described
    return described


@pytest.mark.parametrize("seed", range(3))
def test_a_worker_killed_while_an_activity_runs(redis_url, sfn_worker, tmp_path, seed) -> None:
    chooser = random.Random(seed)
    victim_step = chooser.choice(STEPS)
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    given = {"ledger": str(ledger)}
    victim = sfn_worker(activities=[ACTIVITIES], env=FAST)
    engine = Engine(redis_url)
    execution = engine.start_execution(gated(gate), given, check_resources=False)
    run_gated_until(engine, gate, victim_step)
    # The survivor is up before the kill, so the bound below measures the loss's detection and
    # the redelivery, not a worker's start-up (seconds on a loaded machine).
    sfn_worker(activities=[ACTIVITIES], env=FAST)
    time.sleep(chooser.uniform(0, 0.05))  # a random instant inside the running activity
    kill_tree(victim.pid)
    victim.process.wait(timeout=BOUND)
    killed_at = time.time()
    rerun = wait_until(
        lambda: len(starts(read_ledger(ledger), victim_step)) == 2,
        timeout=BOUND,
        what=f"{victim_step} to be delivered again",
    )
    assert rerun
    described = finish(engine, execution, gate, victim_step)
    assert output_of(described) == chain_output(given, STEPS)
    entries = read_ledger(ledger)
    check_ledger(entries, engine.history(execution), {victim.pid})
    again = starts(entries, victim_step)[1]
    # Lost-worker detection: lease (1 s) + the survivor's timer poll, then its pickup.
    assert again.at - killed_at < 1 + 2


@pytest.mark.parametrize("seed", range(2))
def test_a_worker_killed_after_the_activity_returned_before_the_commit(
    redis_server, redis_url, sfn_worker, tmp_path, seed
) -> None:
    victim_step = random.Random(seed).choice(STEPS[1:])
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    given = {"ledger": str(ledger)}
    victim = sfn_worker(activities=[ACTIVITIES], env=FAST)
    engine = Engine(redis_url)
    execution = engine.start_execution(gated(gate), given, check_resources=False)
    run_gated_until(engine, gate, victim_step)
    with frozen(redis_server):
        # Redis answers nothing now: the activity ends, its worker cannot hear back from its
        # commit, then dies.
        open_gate(gate, victim_step)
        wait_until(
            lambda: [e for e in read_ledger(ledger) if e.kind == "done" and e.name == victim_step],
            timeout=BOUND,
            what=f"{victim_step} to return",
        )
        kill_tree(victim.pid)
        victim.process.wait(timeout=BOUND)
    sfn_worker(activities=[ACTIVITIES], env=FAST)
    described = finish(engine, execution, gate, victim_step)
    assert output_of(described) == chain_output(given, STEPS)
    entries = read_ledger(ledger)
    check_ledger(entries, engine.history(execution), {victim.pid})
    # A commit is one write: if the worker had sent it before it died, Redis applies it once
    # it wakes and the step is done; if not, the step runs once more, with the same key.
    runs = [e.kind for e in entries if e.name == victim_step]
    assert runs in (["start", "done"], ["start", "done"] * 2)
    for name in STEPS:
        if name != victim_step:
            assert len(starts(entries, name)) == 1, name


def test_a_worker_killed_after_the_commit_is_not_rerun(redis_url, sfn_worker, tmp_path) -> None:
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    given = {"ledger": str(ledger)}
    victim = sfn_worker(activities=[ACTIVITIES], env=FAST)
    engine = Engine(redis_url)
    execution = engine.start_execution(gated(gate), given, check_resources=False)
    run_gated_until(engine, gate, "Reserve")
    open_gate(gate, "Reserve")
    wait_for_file(gate / "Ship.running", timeout=BOUND)  # Reserve's result is committed
    kill_tree(victim.pid)
    victim.process.wait(timeout=BOUND)
    assert committed_at(engine.history(execution), "Reserve") is not None
    sfn_worker(activities=[ACTIVITIES], env=FAST)
    described = finish(engine, execution, gate, "Ship")
    assert output_of(described) == chain_output(given, STEPS)
    entries = read_ledger(ledger)
    check_ledger(entries, engine.history(execution), {victim.pid})
    assert [len(starts(entries, name)) for name in STEPS] == [1, 1, 2, 1]


DIE_AFTER_DEQUEUE = """
import os, signal, sys
import redis
from rq import Queue
from rq.serializers import JSONSerializer

client = redis.Redis.from_url(sys.argv[1])
queues = [Queue(name, connection=client, serializer=JSONSerializer) for name in sys.argv[2:]]
job, _ = Queue.dequeue_any(queues, 30, connection=client, serializer=JSONSerializer)
print(job.func_name, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
# Where the jobs of the two cases wait: joins on `sfn`, tasks on their activity's own queue.
QUEUES_OF_THESE_TESTS = ["sfn", "sfn.activity.crash_step", "sfn.activity.crash_square"]
MAP = {
    "StartAt": "Squares",
    "States": {
        "Squares": {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "Sq",
                "States": {"Sq": {"Type": "Task", "Resource": "crash_square", "End": True}},
            },
            "End": True,
        }
    },
}


@pytest.mark.parametrize(
    ("definition", "given", "expected", "job"),
    [
        (chain(["Only"]), {"ledger": "LEDGER"}, None, "run_task"),
        (MAP, [1, 2, 3], [1, 4, 9], "advance_group"),
    ],
    ids=["task", "join"],
)
def test_a_worker_killed_between_dequeue_and_start_loses_nothing(
    redis_url, sfn_worker, tmp_path, monkeypatch, definition, given, expected, job
) -> None:
    import subprocess
    import sys

    monkeypatch.setenv("SFN_LEASE_SECONDS", FAST["SFN_LEASE_SECONDS"])
    if given == {"ledger": "LEDGER"}:
        given = {"ledger": str(tmp_path / "ledger")}
        expected = chain_output(given, ["Only"])
    engine = Engine(redis_url)
    execution = engine.start_execution(definition, given, check_resources=False)
    dying = subprocess.run(
        [sys.executable, "-c", DIE_AFTER_DEQUEUE, redis_url, *QUEUES_OF_THESE_TESTS],
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    assert dying.returncode == -9 and dying.stdout.strip() == f"engine.runtime.jobs.{job}"
    sfn_worker(activities=[ACTIVITIES], env=FAST)
    described = engine.wait(execution, timeout=15)
    assert described["status"] == "SUCCEEDED", described
    assert output_of(described) == expected


def iteration_map(size: int) -> tuple[dict, list[dict]]:
    task = {"Type": "Task", "Resource": "crash_step", "End": True}
    task["Parameters"] = {"name.$": "$.name", "ledger.$": "$.ledger", "value.$": "$.value"}
    task["Parameters"]["sleep"] = 0.02
    processor = {"StartAt": "Step", "States": {"Step": task}}
    state = {"Type": "Map", "MaxConcurrency": 4, "ItemProcessor": processor, "End": True}
    items = [{"name": f"item{n}", "value": n} for n in range(size)]
    return {"StartAt": "Each", "States": {"Each": state}}, items


@pytest.mark.parametrize("seed", range(2))
def test_worker_pools_killed_at_random_moments_of_a_map(
    redis_url, sfn_worker, tmp_path, monkeypatch, seed
) -> None:
    monkeypatch.setenv("SFN_LEASE_SECONDS", FAST["SFN_LEASE_SECONDS"])
    chooser = random.Random(seed)
    ledger = tmp_path / "ledger"
    definition, items = iteration_map(30)
    for item in items:
        item["ledger"] = str(ledger)
    engine = Engine(redis_url)
    pool = sfn_worker(activities=[ACTIVITIES], env=FAST, args=["--concurrency", "2"], workers=2)
    execution = engine.start_execution(definition, items, check_resources=False)
    killed: set[int] = set()
    for _ in range(3):
        moment = chooser.uniform(0.05, 0.4)
        wait_until(lambda: read_ledger(ledger), timeout=BOUND, what="work to start")
        time.sleep(moment)  # a random moment of the run, not a synchronisation
        killed |= descendants(pool.pid)
        kill_tree(pool.pid)
        pool.process.wait(timeout=BOUND)
        pool = sfn_worker(activities=[ACTIVITIES], env=FAST, args=["--concurrency", "2"], workers=2)
    described = engine.wait(execution, timeout=BOUND)
    assert described["status"] == "SUCCEEDED", described
    assert output_of(described) == [
        {"step": item["name"], "value": item["value"]} for item in items
    ]
    history = engine.history(execution)
    ended = {
        event["mapIterationSucceededEventDetails"]["index"]: event
        for event in history
        if event["type"] == "MapIterationSucceeded"
    }
    assert sorted(ended) == list(range(len(items)))
    entries = read_ledger(ledger)
    survivors = {entry.pid for entry in entries} - killed
    for item in items:
        runs = starts(entries, item["name"])
        assert runs, item
        assert sum(run.pid in survivors for run in runs) <= 1, runs
        committed = ended[item["value"]]
        assert all(run.at <= moment_of(committed) + 0.005 for run in runs), runs


DIE_WHILE_FIRING = """
import os, signal, sys
from engine.runtime import timers
from engine.runtime.runtime import Runtime
from engine.runtime.connection import connect

def die(runtime, timer):
    print(timer.kind, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

timers.fire = die
runtime = Runtime(connect(sys.argv[1]))
while not timers.fire_due(runtime):
    pass
"""


def test_a_poller_killed_while_firing_a_timer_delays_it_by_a_lease_at_most(
    redis_url, sfn_worker, monkeypatch
) -> None:
    import subprocess
    import sys

    monkeypatch.setenv("SFN_LEASE_SECONDS", FAST["SFN_LEASE_SECONDS"])
    engine = Engine(redis_url)
    wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0, "End": True}}}
    execution = engine.start_execution(wait, {}, check_resources=False)
    dying = subprocess.run(
        [sys.executable, "-c", DIE_WHILE_FIRING, redis_url],
        capture_output=True,
        text=True,
        env={**os.environ, **FAST},
        timeout=BOUND,
    )
    assert dying.returncode == -9 and dying.stdout.strip() == "timer", dying.stderr
    died_at = time.time()
    sfn_worker(activities=[ACTIVITIES], env=FAST)
    ready_at = time.time()
    described = engine.wait(execution, timeout=BOUND)
    assert described["status"] == "SUCCEEDED"
    exited = next(e for e in engine.history(execution) if e["type"] == "WaitStateExited")
    # Fired once the dead poller's claim (a lease) ran out and a poller was there to see it
    # (the new worker's start-up takes seconds on a loaded machine), plus a poll and a commit.
    assert moment_of(exited) - max(died_at + 1, ready_at) < 1.5
