"""Crash tests: the Redis server (append-only file on) restarts or is SIGKILLed mid-execution.

Workers keep running through the outage; the execution must end as an undisturbed run would,
with no committed step run again (ledger checks from support/crash.py).
"""

from __future__ import annotations

import random
import time

import pytest
from support.crash import (
    ACTIVITIES,
    FAST,
    chain,
    chain_output,
    check_ledger,
    output_of,
    read_ledger,
    starts,
)
from support.inspection import due_at, queue_lengths, timers
from support.waiting import wait_for_file, wait_until

from engine.runtime.engine import Engine

STEPS = ("Charge", "Reserve", "Ship")
BOUND = 45
SQUARES = {
    "StartAt": "Squares",
    "States": {
        "Squares": {
            "Type": "Map",
            "MaxConcurrency": 5,
            "ItemProcessor": {
                "StartAt": "Sq",
                "States": {"Sq": {"Type": "Task", "Resource": "crash_square", "End": True}},
            },
            "End": True,
        }
    },
}


def bounce(server, how: str) -> None:
    if how == "restart":
        server.restart()
    else:
        server.kill()
        server.start()


def wait_done(redis_url: str, execution: str) -> dict:
    """Wait for the end, reconnecting after the outage (a fresh client per look)."""
    try:
        return wait_until(
            lambda: (
                (d := Engine(redis_url).wait(execution, timeout=1))["status"] != "RUNNING" and d
            ),
            timeout=BOUND,
            what=f"{execution} to finish",
        )
    except TimeoutError as error:
        raise AssertionError(f"{error}\n{state_of(Engine(redis_url), execution)}") from None


def state_of(engine: Engine, execution: str) -> str:
    """What a stuck execution waits for: its last events, due timers, queued jobs."""
    client = engine.redis
    last = [event["type"] for event in engine.history(execution)[-6:]]
    pending = timers(client)[:10]
    due = [(entry, round((due_at(client, entry) or 0) - time.time(), 1)) for entry in pending]
    queued = queue_lengths(client)
    return f"last events {last}\ntimers (due in s) {due}\nqueues {queued}"


@pytest.mark.parametrize(("seed", "how"), [(0, "restart"), (1, "kill"), (2, "kill")])
def test_redis_goes_down_while_an_activity_runs(
    redis_server, redis_url, sfn_worker, tmp_path, seed, how
) -> None:
    victim = random.Random(seed).choice(STEPS)
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    given = {"ledger": str(ledger)}
    workers = [sfn_worker(activities=[ACTIVITIES], env=FAST) for _ in range(2)]
    engine = Engine(redis_url)
    definition = chain(STEPS, **{name: {"gate": str(gate)} for name in STEPS})
    execution = engine.start_execution(definition, given, check_resources=False)
    for name in STEPS:
        wait_for_file(gate / f"{name}.running", timeout=BOUND)
        if name == victim:
            bounce(redis_server, how)
        (gate / f"{name}.go").write_text("go")
    described = wait_done(redis_url, execution)
    assert described["status"] == "SUCCEEDED", described
    assert output_of(described) == chain_output(given, STEPS)
    entries = read_ledger(ledger)
    # The server's data survived, so no step had to run twice.
    assert [len(starts(entries, name)) for name in STEPS] == [1, 1, 1]
    check_ledger(entries, Engine(redis_url).history(execution), set())
    assert all(worker.process.poll() is None for worker in workers), "a worker quit"


@pytest.mark.parametrize(("seed", "how"), [(3, "restart"), (4, "kill")])
def test_redis_goes_down_during_a_map(redis_server, redis_url, sfn_worker, seed, how) -> None:
    sfn_worker(activities=[ACTIVITIES], env=FAST, args=["--concurrency", "2"], workers=2)
    engine = Engine(redis_url)
    items = list(range(60))
    execution = engine.start_execution(SQUARES, items, check_resources=False)
    ended = random.Random(seed).randint(5, 40)
    wait_until(
        lambda: (
            sum(e["type"] == "MapIterationSucceeded" for e in engine.history(execution)) >= ended
        ),
        timeout=BOUND,
        what=f"{ended} iterations to end",
    )
    bounce(redis_server, how)
    described = wait_done(redis_url, execution)
    assert described["status"] == "SUCCEEDED", described
    assert output_of(described) == [n * n for n in items]


def test_a_worker_stopped_while_redis_is_away_stops_quietly(redis_server, sfn_worker) -> None:
    worker = sfn_worker(activities=[ACTIVITIES], env=FAST)
    redis_server.kill()
    wait_until(lambda: "timer poll failed" in worker.output(), timeout=BOUND, what="the outage")
    # It keeps waiting for Redis; a stop signal still ends it at once, cleanly.
    wait_until(lambda: worker.output().count("could not connect") >= 1, timeout=BOUND)
    began = time.monotonic()
    assert worker.terminate(timeout=10) == 0
    assert time.monotonic() - began < 5
    log = worker.output()
    # (RQ itself may log the exception that ended its loop; the stop must not raise.)
    assert "StopRequested" not in log
    assert log.count("timer poll failed") == 1  # the outage is reported once, not per poll
