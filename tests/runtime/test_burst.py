"""`sfn worker --burst`: it drains the queues AND the timers of running executions, then exits.

A retry delay or a Wait state is a timer, not a queued job: a burst worker that quit once the
queues were empty left such executions RUNNING with no one to fire their timers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from support.crash import ACTIVITIES
from support.workers import start_worker

from engine.runtime.engine import Engine

BOUND = 60


def burst(redis_url: str, tmp_path: Path) -> int:
    worker = start_worker(redis_url, tmp_path / "logs", activities=[ACTIVITIES], args=["--burst"])
    code = worker.process.wait(timeout=BOUND)
    assert "Traceback" not in worker.output(), worker.output()
    return code


def test_a_burst_worker_fires_pending_waits_and_retries_before_it_exits(redis_url, tmp_path):
    retry = {"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3}
    flaky = {"Type": "Task", "Resource": "crash_flaky", "Retry": [retry], "End": True}
    wait = {"Type": "Wait", "Seconds": 1, "Next": "Flaky"}
    definition = {"StartAt": "Pause", "States": {"Pause": wait, "Flaky": flaky}}
    engine = Engine(redis_url)
    given = {"ledger": str(tmp_path / "ledger"), "succeed_on": 3}
    execution = engine.start_execution(definition, given, check_resources=False)

    assert burst(redis_url, tmp_path) == 0
    described = engine.describe(execution)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"attempts": 3}


def test_a_burst_worker_does_not_wait_for_a_callback_nobody_sends(redis_url, tmp_path):
    """A callback Task without TimeoutSeconds has no timer: nothing to wait for."""
    callback = {"Type": "Task", "Resource": "crash_square.waitForTaskToken", "End": True}
    engine = Engine(redis_url)
    execution = engine.start_execution(
        {"StartAt": "Ask", "States": {"Ask": callback}}, 3, check_resources=False
    )
    started = time.monotonic()
    assert burst(redis_url, tmp_path) == 0
    assert time.monotonic() - started < 20
    assert engine.describe(execution)["status"] == "RUNNING"
