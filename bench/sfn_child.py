"""One sfn measurement in a fresh process (so its peak RSS is the workload's own).

`python -m bench.sfn_child URL SPEC_JSON` runs executions of one workload through the Engine API
on the benchmark's Redis, with an embedded worker (mode "embedded") or with the `sfn worker`
processes the parent started (mode "workers"), checks every output and history, and prints one
JSON line: seconds per repetition, transitions, commits, task latencies, each execution's own
startDate -> stopDate, (one after another) each execution's start call -> `wait` returning, peak
RSS, and how long the queues took to drain after each repetition's executions had ended
(untimed).

Spec: {"workload", "mode", "executions", "reps", "concurrent"}: `executions` run one after
another per repetition, or all started at once when `concurrent` is true.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import bench.activities  # noqa: F401  (registers W5's activities in this process)
from bench import census
from bench.redis_server import exec_calls
from bench.stats import own_peak_rss_mib
from bench.workloads import BY_ID, Workload, check_output, count_transitions
from engine.activities import default_registry
from engine.runtime.connection import connect
from engine.runtime.engine import Engine
from engine.runtime.worker import EmbeddedWorker

Json = Any
WAIT_SECONDS = 600


@dataclass
class Batch:
    """What running one batch found: the executions, the seconds the engine took to start
    them all, the (wall-clock) time it was done starting, and (one after another) each
    execution's seconds from the call that started it to `Engine.wait` returning."""

    executions: list[str] = field(default_factory=list)
    starting: float = 0.0
    starts_done: float = 0.0
    round_trips: list[float] = field(default_factory=list)


def run_batch(engine: Engine, workload: Workload, count: int, concurrent: bool) -> Batch:
    """Start `count` executions (all at once, or each after the previous ended); wait for all."""
    definition, payload = workload.load_definition(), workload.input()
    batch, began = Batch(), time.perf_counter()
    for _ in range(count):
        called = time.perf_counter()
        execution = engine.start_execution(
            definition, payload, str(uuid.uuid4()), state_machine=workload.id
        )
        batch.executions.append(execution)
        if not concurrent:
            engine.wait(execution, timeout=WAIT_SECONDS)
            batch.round_trips.append(time.perf_counter() - called)
    batch.starting, batch.starts_done = time.perf_counter() - began, time.time()
    for execution in batch.executions:
        engine.wait(execution, timeout=WAIT_SECONDS)
    return batch


def verify(
    engine: Engine, workload: Workload, executions: list[str]
) -> tuple[list[float], list[float], list[float]]:
    """Check each execution's status, output and states entered; return the task latencies,
    the times the tasks succeeded and each execution's own seconds from its startDate to its
    stopDate (1 ms resolution, as the peer's)."""
    latencies, ends, own = [], [], []
    for execution in executions:
        described = engine.describe(execution)
        if described["status"] != "SUCCEEDED":
            raise AssertionError(
                f"sfn {workload.id}: {execution} ended {described['status']}: "
                f"{described.get('error')} {described.get('cause')}"
            )
        own.append(_seconds(described["startDate"], described["stopDate"]))
        history = engine.history(execution)
        check_output("sfn", workload, described["output"], count_transitions(history))
        latencies += task_latencies(history)
        ends += [_stamp(event) for event in history if event["type"] == "TaskSucceeded"]
    return latencies, ends, own


def rate_after(moment: float, ends: list[float]) -> float | None:
    """Tasks/s from `moment` to the last task's end, counting only tasks that ended after it:
    the workers' rate once the engine has stopped starting executions (no other process
    busy, as when raw RQ drains its queued jobs)."""
    later = [end for end in ends if end > moment]
    if len(later) < 2 or max(later) <= moment:
        return None
    return len(later) / (max(later) - moment)


def task_latencies(history: list[dict[str, Json]]) -> list[float]:
    """Seconds from each TaskScheduled to its TaskSucceeded (history stamps: 1 ms resolution)."""
    scheduled, found = None, []
    for event in history:
        if event["type"] == "TaskScheduled":
            scheduled = _stamp(event)
        elif event["type"] == "TaskSucceeded" and scheduled is not None:
            found.append(_stamp(event) - scheduled)
    return found


def _stamp(event: dict[str, Json]) -> float:
    return _epoch(event["timestamp"])


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _seconds(start: str, stop: str) -> float:
    return _epoch(stop) - _epoch(start)


def measure(url: str, spec: dict[str, Json]) -> dict[str, Json]:
    workload = BY_ID[spec["workload"]]
    engine = Engine(client=connect(url), activities=default_registry)
    worker = None
    if spec["mode"] == "embedded":
        worker = EmbeddedWorker(engine.redis, activities=engine.activities).start()
    try:
        seconds, starts, commits, latencies, drains, after = [], [], [], [], [], []
        own, round_trips = [], []
        for _ in range(spec["reps"]):
            before = exec_calls(engine.redis)
            started = time.perf_counter()
            batch = run_batch(engine, workload, spec["executions"], spec["concurrent"])
            seconds.append(time.perf_counter() - started)
            starts.append(batch.starting)
            drains.append(census.drain(engine.redis))
            commits.append((exec_calls(engine.redis) - before) / len(batch.executions))
            found, ends, own_seconds = verify(engine, workload, batch.executions)
            latencies += found
            own += own_seconds
            round_trips += batch.round_trips
            after.append(rate_after(batch.starts_done, ends))
    finally:
        if worker is not None:
            worker.stop()
    return {
        "seconds": seconds,
        "start_seconds": starts,
        "transitions": workload.transitions * spec["executions"],
        "execs_per_run": commits,
        "drain_seconds": drains,
        "task_latencies": latencies,
        "own_seconds": own,
        "round_trips": round_trips,
        "task_rate_after_starts": after,
        "peak_rss_mib": own_peak_rss_mib(),
    }


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], json.loads(sys.argv[2]))), flush=True)
