"""`/metrics` of a real `sfn serve` after real runs on real `sfn worker` processes: every metric
issue 14 lists, and the Task latency histogram holding worker-run attempts only (a callback's
wait and a nested execution's run are not Task run times)."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from support.waiting import wait_until

from engine.runtime.engine import Engine
from engine.runtime.listing import nesting, waiting_tasks

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"
CHARGE = "sfn.activity.charge_customer"  # each activity has its own queue
KID = {
    "StartAt": "Work",
    "States": {"Work": {"Type": "Task", "Resource": "hand_back", "End": True}},
}
MIX = {
    "StartAt": "Callback",
    "States": {
        "Callback": {
            "Type": "Task",
            "Resource": "hand_over.waitForTaskToken",
            "Parameters": {"file.$": "$.file"},
            "ResultPath": None,
            "Next": "Nest",
        },
        "Nest": {
            "Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {
                "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:kid",
                "Input": {"x": 1},
            },
            "End": True,
        },
    },
}
LAMPS = {  # more lamps than the warehouse has: ReserveInventory fails, the order is refunded
    "order_id": "o-2",
    "customer": {"id": "c-7", "email": "grace@example.com"},
    "amount": 30,
    "items": [{"sku": "lamp", "quantity": 5}],
}
PAUSE = {"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 1, "End": True}}}


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, sorted labels) -> value."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def task_attempts(engine: Engine, execution: str) -> int:
    """Worker-run Task attempts the history records (each ends TaskSucceeded or TaskFailed)."""
    events = engine.store.history(execution)
    return sum(event["type"] in ("TaskSucceeded", "TaskFailed") for event in events)


def states_entered(engine: Engine, execution: str) -> int:
    return sum(event["type"].endswith("StateEntered") for event in engine.store.history(execution))


def test_metrics_of_a_real_run(redis_url, tmp_path, sfn_serve, sfn_worker):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "workflows", project / "workflows")
    (project / "workflows" / "kid.json").write_text(json.dumps(KID))
    shutil.copytree(ROOT / "activities", project / "activities")
    (project / "activities" / "hand_back.py").write_text(
        "from engine import activity\n\n\n"
        "@activity('hand_back')\ndef hand_back(task):\n    return task\n"
    )
    engine = Engine(redis_url)
    order = project / "workflows" / "order.yaml"
    ok = engine.start_execution(order, {}, "m-ok")
    failed = engine.start_execution(order, LAMPS, "m-lamps")
    engine.start_execution(PAUSE, {}, "p-1", state_machine="pause")
    server = sfn_serve(cwd=project)

    # No worker yet: both orders' first Tasks wait in the queue, the Wait's timer falls due.
    idle = wait_until(
        lambda: (s := scrape(server.url)) and value(s, "sfn_timers_due") == 1.0 and s,
        what="the Wait's timer to fall due",
    )
    assert value(idle, "sfn_workers") == 0.0
    assert value(idle, "sfn_queue_depth", queue=CHARGE) == 2.0
    assert value(idle, "sfn_timer_lag_seconds") > 0.0
    assert value(idle, "sfn_executions", state_machine="order", status="RUNNING") == 2.0
    assert value(idle, "sfn_executions_started_total", state_machine="order") == 2.0
    assert value(idle, "sfn_task_run_seconds_count", state_machine="order") is None

    sfn_worker(activities=[project / "activities", SUPPORT / "callback_activities.py"], cwd=project)
    mix = engine.start_execution(
        MIX, {"file": str(tmp_path / "token")}, "mix-1", state_machine="mix",
    )  # fmt: skip
    assert engine.wait(ok, timeout=60)["status"] == "SUCCEEDED"
    assert engine.wait(failed, timeout=60)["status"] == "FAILED"
    token = wait_until(lambda: waiting_tasks(engine.redis, mix), what="the callback")[0].token
    engine.send_task_success(token, {"approved": True})
    assert engine.wait(mix, timeout=60)["status"] == "SUCCEEDED"
    (kid,) = [row.execution_id for row in nesting(engine.redis, mix).children]

    samples = scrape(server.url)
    assert value(samples, "sfn_workers") == 1.0
    assert value(samples, "sfn_queue_depth", queue=CHARGE) == 0.0
    assert value(samples, "sfn_timers_due") == 0.0
    assert value(samples, "sfn_timer_lag_seconds") == 0.0
    for machine, status, count in (
        ("order", "SUCCEEDED", 1), ("order", "FAILED", 1), ("pause", "SUCCEEDED", 1),
        ("mix", "SUCCEEDED", 1), ("kid", "SUCCEEDED", 1),
    ):  # fmt: skip
        assert value(samples, "sfn_executions", state_machine=machine, status=status) == count
        finished = value(
            samples, "sfn_executions_finished_total", state_machine=machine, status=status
        )
        assert finished == count, (machine, status)
    assert value(samples, "sfn_executions_started_total", state_machine="kid") == 1.0
    orders = states_entered(engine, ok) + states_entered(engine, failed)
    assert value(samples, "sfn_state_transitions_total", state_machine="order") == orders
    assert value(samples, "sfn_state_transitions_total", state_machine="mix") == 2.0

    # Task run times: every worker-run attempt of the orders (retries and failures included),
    # the nested execution's own Task under its state machine; nothing for the callback (its
    # result came from send-task-success) nor for the Task that ran the nested execution.
    attempts = task_attempts(engine, ok) + task_attempts(engine, failed)
    assert attempts >= 6  # order-ok retries ReserveInventory; m-lamps fails it, then refunds
    histogram = "sfn_task_run_seconds"
    assert value(samples, f"{histogram}_count", state_machine="order") == attempts
    assert value(samples, f"{histogram}_bucket", state_machine="order", le="+Inf") == attempts
    assert value(samples, f"{histogram}_count", state_machine="kid") == task_attempts(engine, kid)
    assert value(samples, f"{histogram}_count", state_machine="kid") == 1.0
    assert value(samples, f"{histogram}_count", state_machine="mix") is None
    assert 0.0 < value(samples, f"{histogram}_sum", state_machine="order") < 30.0
