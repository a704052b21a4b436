"""Executions driven through RQ jobs and timers in-process: tasks, children, stop, redrive."""

from __future__ import annotations

import json
import time

from support.inspection import make_due, queued_jobs, record_ids, work_timers

from engine import activities
from engine.core.joins import tolerance_exceeded
from engine.runtime import dispatch, tokens
from engine.runtime.engine import Engine
from engine.runtime.store import ROOT
from engine.runtime.timer_entries import LeaseExpiry, StateTimer
from engine.runtime.timers import fire_due

from .conftest import drain

CALLS: list[str] = []


@activities.activity("unit_double")
def double(task: dict) -> dict:
    CALLS.append("double")
    return {"v": task["v"] * 2}


@activities.activity("unit_fail_odd")
def fail_odd(task: dict) -> dict:
    if task["v"] % 2:
        raise ValueError(f"{task['v']} is odd")
    return task


GATE = {"open": False}


@activities.activity("unit_gate")
def gate(task: dict) -> dict:
    if not GATE["open"]:
        raise PermissionError("the gate is closed")
    return task


@activities.activity("unit_flaky")
def flaky(task: dict, context: activities.ActivityContext) -> dict:
    if context.attempt < 3:
        raise ConnectionError("try again")
    return {"attempt": context.attempt, "key": context.idempotency_key}


@activities.activity("unit_routed", queue="special")
def routed(task: dict) -> str:
    return "routed"


def task(resource: str, name: str = "T", **extra) -> dict:
    state = {"Type": "Task", "Resource": resource, "End": True, **extra}
    return {"StartAt": name, "States": {name: state}}


def map_of(resource: str, **extra) -> dict:
    processor = task(resource)
    state = {"Type": "Map", "ItemProcessor": processor, "End": True, **extra}
    return {"StartAt": "M", "States": {"M": state}}


def test_a_task_runs_on_a_worker_and_its_result_is_committed(engine: Engine) -> None:
    execution = engine.start_execution(task("unit_double"), {"v": 21})
    described = drain(engine, execution)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"v": 42}
    assert queued_jobs(engine.redis, dispatch.DEFAULT_QUEUE) == []
    assert queued_jobs(engine.redis, dispatch.activity_queue("unit_double")) == []


def test_retry_backoff_reruns_and_the_attempt_is_counted_from_one(engine: Engine) -> None:
    retry = [{"ErrorEquals": ["ConnectionError"], "IntervalSeconds": 1, "BackoffRate": 1.0}]
    execution = engine.start_execution(task("unit_flaky", Retry=retry), {})
    started = time.monotonic()
    output = json.loads(drain(engine, execution)["output"])
    assert output["attempt"] == 3
    assert output["key"].endswith("/2")
    assert 1.8 <= time.monotonic() - started < 4


def test_map_respects_max_concurrency_and_keeps_order(engine: Engine) -> None:
    items = [{"v": n} for n in range(7)]
    execution = engine.start_execution(map_of("unit_double", MaxConcurrency=2), items)
    described = drain(engine, execution)
    assert json.loads(described["output"]) == [{"v": 2 * n} for n in range(7)]
    started = [
        e["mapIterationStartedEventDetails"]["index"]
        for e in engine.history(execution)
        if e["type"] == "MapIterationStarted"
    ]
    assert started == list(range(7))
    # The delivered group took its records and its children's run records with it.
    assert record_ids(engine.redis, execution, "group") == set()
    assert record_ids(engine.redis, execution, "run") == {ROOT}


def test_map_never_runs_more_children_than_max_concurrency(engine: Engine) -> None:
    items = [{"v": n} for n in range(6)]
    execution = engine.start_execution(map_of("unit_double", MaxConcurrency=2), items)
    from rq import SimpleWorker

    from engine.runtime.worker import make_worker

    worker = make_worker(engine.redis, [], SimpleWorker, activities=engine.activities)
    peak = 0
    while engine.describe(execution)["status"] == "RUNNING":
        worker.work(burst=True, max_jobs=1, logging_level="WARNING")
        children = record_ids(engine.redis, execution, "run") - {ROOT}
        awaiting = [
            run
            for run in children
            if (engine.store.run(execution, run).snapshot or {}).get("awaiting")
        ]
        peak = max(peak, len(awaiting))
    assert peak == 2
    assert engine.describe(execution)["status"] == "SUCCEEDED"


def test_a_failing_parallel_branch_fails_the_parent(engine: Engine) -> None:
    branches = [task("unit_double", "A"), task("unit_fail_odd", "B")]
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": branches, "End": True}},
    }
    described = drain(engine, engine.start_execution(definition, {"v": 3}))
    assert described["status"] == "FAILED"
    assert described["error"] == "ValueError"
    types = [event["type"] for event in engine.history(described["executionId"])]
    assert "ParallelStateFailed" in types


def test_map_tolerates_failures_up_to_the_count(engine: Engine) -> None:
    items = [{"v": n} for n in range(4)]
    tolerant = engine.start_execution(map_of("unit_fail_odd", ToleratedFailureCount=2), items)
    assert drain(engine, tolerant)["status"] == "SUCCEEDED"
    strict = engine.start_execution(map_of("unit_fail_odd", ToleratedFailureCount=1), items)
    assert drain(engine, strict)["status"] == "FAILED"


def test_tolerance_rules() -> None:
    assert tolerance_exceeded(1, 10, 0, 0)
    assert not tolerance_exceeded(0, 10, 0, 0)
    assert not tolerance_exceeded(2, 10, 2, 0)
    assert tolerance_exceeded(3, 10, 2, 0)
    assert not tolerance_exceeded(5, 10, 0, 50)
    assert tolerance_exceeded(6, 10, 0, 50)


def test_an_empty_map_succeeds_with_an_empty_list(engine: Engine) -> None:
    described = drain(engine, engine.start_execution(map_of("unit_double"), []))
    assert json.loads(described["output"]) == []


def test_stop_aborts_and_the_queued_task_never_runs(engine: Engine) -> None:
    CALLS.clear()
    execution = engine.start_execution(task("unit_double"), {"v": 1})
    stopped = engine.stop(execution, "Cancelled", "by the test")
    assert (stopped["status"], stopped["error"]) == ("ABORTED", "Cancelled")
    drained = drain(engine, execution)
    assert drained["status"] == "ABORTED" and "output" not in drained
    assert CALLS == []
    assert engine.history(execution)[-1]["type"] == "ExecutionAborted"


def test_redrive_continues_from_the_failed_state(engine: Engine) -> None:
    definition = {
        "StartAt": "First",
        "States": {
            "First": {"Type": "Task", "Resource": "unit_double", "Next": "Second"},
            "Second": {"Type": "Task", "Resource": "unit_gate", "End": True},
        },
    }
    CALLS.clear()
    GATE["open"] = False
    execution = engine.start_execution(definition, {"v": 1})
    failed = drain(engine, execution)
    assert failed["status"] == "FAILED" and failed["error"] == "PermissionError"
    GATE["open"] = True
    redriven = engine.redrive(execution)
    assert redriven["status"] == "RUNNING" and redriven["redriveCount"] == 1
    again = drain(engine, execution)
    assert again["status"] == "SUCCEEDED" and json.loads(again["output"]) == {"v": 2}
    assert CALLS == ["double"]
    types = [event["type"] for event in engine.history(execution)]
    assert types.count("ExecutionFailed") == 1 and "ExecutionRedriven" in types


def test_activities_route_to_their_queue(engine: Engine) -> None:
    execution = engine.start_execution(task("unit_routed"), {})
    assert len(queued_jobs(engine.redis, "special")) == 1
    assert queued_jobs(engine.redis, dispatch.activity_queue("unit_routed")) == []
    assert drain(engine, execution, queues=("special",))["status"] == "SUCCEEDED"


def test_a_callback_task_waits_for_send_task_success(engine: Engine) -> None:
    execution = engine.start_execution(task("unit_double.waitForTaskToken"), {"v": 1})
    from rq import SimpleWorker

    from engine.runtime.worker import make_worker

    make_worker(engine.redis, [], SimpleWorker, activities=engine.activities).work(
        burst=True, logging_level="WARNING"
    )
    assert engine.describe(execution)["status"] == "RUNNING"
    token = engine.store.run(execution, ROOT).snapshot["awaiting"]["token"]
    engine.send_task_heartbeat(token)
    engine.send_task_success(token, {"approved": True})
    described = engine.describe(execution)
    assert json.loads(described["output"]) == {"approved": True}


def test_timers_fire_when_due_and_not_before(engine: Engine) -> None:
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}}
    execution = engine.start_execution(definition, {})
    assert fire_due(engine.runtime) == 0
    assert engine.describe(execution)["status"] == "RUNNING"
    assert fire_due(engine.runtime, now=time.time() + 31) == 1
    assert engine.describe(execution)["status"] == "SUCCEEDED"
    assert fire_due(engine.runtime, now=time.time() + 31) == 0


def test_a_lost_attempt_is_redelivered_then_fails_with_worker_lost(engine: Engine) -> None:
    retry = [{"ErrorEquals": ["Sfn.WorkerLost"], "MaxAttempts": 0}]
    catch = [{"ErrorEquals": ["Sfn.WorkerLost"], "Next": "Lost", "ResultPath": "$.lost"}]
    definition = {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "unit_double", "Retry": retry, "Catch": catch,
                  "End": True},
            "Lost": {"Type": "Pass", "End": True},
        },
    }  # fmt: skip
    execution = engine.start_execution(definition, {"v": 1})
    token = engine.store.run(execution, ROOT).snapshot["awaiting"]["token"]
    for delivery in range(3):
        # What a worker dying mid-task leaves behind: a lease that nobody renews.
        lease = LeaseExpiry(execution, ROOT, token, delivery)
        make_due(engine.redis, lease, time.time() - 1)
        assert fire_due(engine.runtime) == 1
        own_queue = dispatch.activity_queue("unit_double")  # a redelivery goes where the job was
        queued = queued_jobs(engine.redis, own_queue)
        if delivery < 2:
            assert queued[-1] == tokens.job_id(token, delivery + 1)  # a ref, never the token
        # A lease found due twice (two pollers) sends the delivery once.
        make_due(engine.redis, lease, time.time() - 1)
        fire_due(engine.runtime)
        assert len(queued_jobs(engine.redis, own_queue)) == len(queued)
    described = engine.describe(execution)
    assert described["status"] == "SUCCEEDED"
    lost = json.loads(described["output"])["lost"]
    assert lost["Error"] == "Sfn.WorkerLost"
    # Each delivery is a Started event of its own, and describe counts those sent again.
    kinds = [event["type"] for event in engine.history(execution)]
    started = kinds.index("TaskScheduled") + 1
    assert kinds[started : started + 4] == ["TaskStarted"] * 3 + ["TaskFailed"]
    assert described["redeliveryCount"] == 2


def waiting(timeout: int) -> dict:
    wait = {"Type": "Wait", "Seconds": 60, "End": True}
    return {"TimeoutSeconds": timeout, "StartAt": "W", "States": {"W": wait}}


def test_execution_timeout_ends_the_execution_timed_out(engine: Engine) -> None:
    execution = engine.start_execution(waiting(1), {})
    described = drain(engine, execution)
    assert described["status"] == "TIMED_OUT"
    assert work_timers(engine.redis, execution) == []  # the Wait's timer went with it


def test_an_ended_execution_leaves_no_timers(engine: Engine) -> None:
    succeeding = engine.start_execution({**task("unit_double"), "TimeoutSeconds": 3600}, {"v": 1})
    stopped = engine.start_execution(waiting(3600), {})
    for execution, count in ((succeeding, 1), (stopped, 2)):  # the execution's, the Wait's
        assert len(state_timers(engine, execution)) == count
    assert drain(engine, succeeding)["status"] == "SUCCEEDED"
    assert engine.stop(stopped, "Halt")["status"] == "ABORTED"
    assert state_timers(engine, succeeding) == state_timers(engine, stopped) == []
    assert work_timers(engine.redis, succeeding) == []


def state_timers(engine: Engine, execution: str) -> list[StateTimer]:
    """The execution's pending timers of the core."""
    found = work_timers(engine.redis, execution)
    return [entry for entry in found if isinstance(entry, StateTimer)]


def test_distributed_map_iterations_stay_out_of_the_history(engine: Engine) -> None:
    processor = {**task("unit_double"), "ProcessorConfig": {"Mode": "DISTRIBUTED"}}
    definition = {
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True}},
    }
    execution = engine.start_execution(definition, [{"v": 1}, {"v": 2}])
    described = drain(engine, execution)
    assert json.loads(described["output"]) == [{"v": 2}, {"v": 4}]
    types = [event["type"] for event in engine.history(execution)]
    assert "TaskScheduled" not in types and "MapStateSucceeded" in types


def test_nested_children_join_into_the_right_parents(engine: Engine) -> None:
    inner_parallel = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [task("unit_double", "Left"), task("unit_double", "Right")],
                "End": True,
            }
        },
    }
    outer = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": 2,
                "ItemProcessor": inner_parallel,
                "End": True,
            }
        },
    }
    items = [{"v": n} for n in range(4)]
    described = drain(engine, engine.start_execution(outer, items))
    assert json.loads(described["output"]) == [[{"v": 2 * n}, {"v": 2 * n}] for n in range(4)]
