"""Task routing: a task only ever goes to a worker that loaded its activity.

Unrouted tasks wait on their activity's own queue (`sfn.activity.<name>`), so workers with
different activity sets (several apps on one Redis) never take, and fail, each other's tasks.
"""

from __future__ import annotations

import json
from pathlib import Path

from rq import SimpleWorker
from support.inspection import queued_jobs

from engine.runtime.dispatch import activity_queue
from engine.runtime.engine import Engine
from engine.runtime.worker import listen_queues, make_worker

FIXTURES = Path(__file__).parent / "fixtures"
ITEMS = [{"n": n} for n in range(6)]


def map_of(resource: str) -> dict:
    task = {"Type": "Task", "Resource": resource, "End": True}
    state = {"Type": "Map", "ItemProcessor": {"StartAt": "T", "States": {"T": task}}, "End": True}
    return {"StartAt": "Each", "States": {"Each": state}}


def task_failures(engine: Engine, execution: str) -> list[dict]:
    return [event for event in engine.history(execution) if event["type"] == "TaskFailed"]


def test_workers_with_disjoint_activities_each_run_only_their_own_tasks(
    redis_url, sfn_worker
) -> None:
    engine = Engine(redis_url)
    # Queued before any worker exists, so both workers find the other app's tasks waiting.
    orders = [engine.start_execution(map_of("orders_price"), ITEMS, check_resources=False)]
    mails = [engine.start_execution(map_of("mail_send"), ITEMS, check_resources=False)]
    orders.append(engine.start_execution(map_of("orders_price"), ITEMS, check_resources=False))
    mails.append(engine.start_execution(map_of("mail_send"), ITEMS, check_resources=False))
    sfn_worker(activities=[FIXTURES / "app_orders.py"])
    sfn_worker(activities=[FIXTURES / "app_mail.py"])
    for execution in orders:
        described = engine.wait(execution, timeout=30)
        assert described["status"] == "SUCCEEDED", described
        expected = [{"app": "orders", "price": n * 10} for n in range(6)]
        assert json.loads(described["output"]) == expected
        assert task_failures(engine, execution) == []
    for execution in mails:
        described = engine.wait(execution, timeout=30)
        assert described["status"] == "SUCCEEDED", described
        assert [item["app"] for item in json.loads(described["output"])] == ["mail"] * 6
        assert task_failures(engine, execution) == []


def test_a_task_whose_activity_no_worker_has_waits_in_its_queue(engine: Engine) -> None:
    definition = map_of("nobody_has_this")
    execution = engine.start_execution(definition, [{"n": 1}], check_resources=False)
    assert activity_queue("nobody_has_this") not in listen_queues([], engine.activities)
    make_worker(engine.redis, [], SimpleWorker, activities=engine.activities).work(
        burst=True, logging_level="WARNING"
    )
    assert engine.describe(execution)["status"] == "RUNNING"
    assert task_failures(engine, execution) == []
    assert len(queued_jobs(engine.redis, activity_queue("nobody_has_this"))) == 1


def test_a_worker_listens_on_sfn_its_routed_queues_and_its_activities_queues() -> None:
    from engine.activities import Registry

    registry = Registry()
    for name in ("resize", "bill"):
        registry.activity(name)(lambda task: task)
    queues = listen_queues(["gpu"], registry)
    assert queues == ["sfn", "gpu", "sfn.activity.bill", "sfn.activity.resize"]


def test_a_misrouted_task_still_fails_with_unknown_activity(engine: Engine, setting) -> None:
    from engine.runtime.jobs import UNKNOWN_ACTIVITY

    from .conftest import drain

    setting("SFN_ACTIVITY_QUEUES", "nobody_has_this=elsewhere")
    execution = engine.start_execution(map_of("nobody_has_this"), [{"n": 1}], check_resources=False)
    described = drain(engine, execution, queues=("elsewhere",))
    assert described["status"] == "FAILED"
    failures = task_failures(engine, execution)
    assert len(failures) == 1 and UNKNOWN_ACTIVITY in json.dumps(failures[0])
