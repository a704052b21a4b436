"""Key census on a real Redis: once executions end and the queues drain, each keeps only its
meta, history, root run record and done marker (plus DISTRIBUTED iterations' run histories);
groups, child runs, task tokens and their markers are gone, and RQ keeps only bounded keys."""

from __future__ import annotations

import json
import time

import pytest
import redis
from rq.job import Job
from support.crash import ACTIVITIES, FAST
from support.inspection import (
    due_at,
    queue_lengths,
    record_ids,
    records,
    rq_kinds,
    shared_records,
    timers,
    token_records,
    work_timers,
)
from support.waiting import wait_until

from engine.runtime.engine import Engine, TaskNotAwaited
from engine.runtime.store import ROOT
from engine.runtime.timer_entries import RetentionExpiry

KEPT = {"meta", "history", f"run:{ROOT}", "done"}
# RQ's own keys, with ids stripped: queues, worker registrations and job registries, all
# bounded by the number of queues and workers (sfn's jobs are deleted when they finish). Which
# of them exist depends on the RQ version.
RQ_KINDS = {
    "rq:queues",
    "rq:workers",
    "rq:workers:*",
    "rq:worker:*",
    "rq:wip:*",
    "rq:finished:*",
    "rq:active:*",
    "rq:clean_registries:*",
    "rq:clean_groups",
    "rq:scheduler-lock:*",
    "rq:scheduler_instance:*",
    "rq:intermediate:*",
}
# Indexes, definitions, the /metrics counters, and the timers, which hold only each
# execution's retention expiry; no token, claim or other timer is left (named as
# support.inspection.shared_records names them: by the `keys` constant or function).
SFN_GLOBAL = {
    "definition",
    "EXECUTIONS",
    "STATE_MACHINES",
    "by_state_machine",
    "by_status",
    "STOPPED",
    "TIMERS",
    "METRICS",
    "versions",
}


def machine(state: dict, name: str = "S") -> dict:
    return {"StartAt": name, "States": {name: {**state, "End": True}}}


def task(resource: str, **extra) -> dict:
    return {"Type": "Task", "Resource": resource, **extra}


def inline_map(processor_state: dict, mode: str = "INLINE", **extra) -> dict:
    processor = {"ProcessorConfig": {"Mode": mode}, **machine(processor_state, "It")}
    return {"Type": "Map", "ItemProcessor": processor, **extra}


PASS_MAP = machine(inline_map({"Type": "Pass"}, MaxConcurrency=10))
TASK_MAP = machine(inline_map(task("crash_square")))
DISTRIBUTED_MAP = machine(inline_map({"Type": "Pass"}, mode="DISTRIBUTED"))
PARALLEL = machine(
    {
        "Type": "Parallel",
        "Branches": [
            machine({"Type": "Pass", "Result": "a"}, "A"),
            machine(task("crash_square", InputPath="$.n"), "B"),
        ],
    }
)
RETRIED = machine(
    task(
        "crash_flaky",
        Retry=[{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "BackoffRate": 1.0}],
    )
)
FAILING_MAP = machine(
    inline_map(
        task("crash_fail", Parameters={"name": "F", "ledger.$": "$.ledger"}),
        ItemsPath="$.items",
        ItemSelector={"ledger.$": "$.ledger"},
    )
)
CALLBACK = machine(task("crash_square.waitForTaskToken"))
CALLBACK_MAP = machine(inline_map(task("crash_square.waitForTaskToken")))


def awaited_token(engine: Engine, execution: str, run_id: str = ROOT) -> str:
    def token() -> str | None:
        run = engine.store.run(execution, run_id)
        awaited = (run.snapshot or {}).get("awaiting") if run else None
        return (awaited or {}).get("token")

    return wait_until(token, what=f"{execution} to await a task")


def quiet(client: redis.Redis, executions: list[str]) -> bool:
    """No job queued or running and no timer left for these executions but their expiry."""
    if any(entry.execution in executions for entry in work_timers(client)):
        return False
    queued = sum(queue_lengths(client).values())
    return queued == 0 and not list(client.scan_iter(Job.key_for("*")))


@pytest.fixture
def engine(redis_url: str, sfn_worker) -> Engine:
    sfn_worker(activities=[ACTIVITIES], env=FAST)
    return Engine(redis_url)  # the workers have the activities; this process has none


def test_ended_executions_keep_only_their_history_and_description(engine: Engine, tmp_path):
    ledger = str(tmp_path / "ledger")
    ended = {
        "pass-map": engine.start_execution(PASS_MAP, list(range(60)), "pass-map"),
        "task-map": engine.start_execution(TASK_MAP, list(range(30)), "task-map"),
        "parallel": engine.start_execution(PARALLEL, {"n": 3}, "parallel"),
        "retried": engine.start_execution(RETRIED, {"ledger": ledger, "succeed_on": 2}, "retry"),
        "failed": engine.start_execution(
            FAILING_MAP, {"ledger": ledger, "items": [1, 2, 3]}, "failed"
        ),
        "distributed": engine.start_execution(DISTRIBUTED_MAP, [1, 2, 3], "distributed"),
    }
    callback = engine.start_execution(CALLBACK, 4, "callback")
    token = awaited_token(engine, callback)
    engine.send_task_success(token, 16)
    stopped = engine.start_execution(CALLBACK_MAP, [1, 2, 3], "stopped")
    group = wait_until(
        lambda: (
            engine.store.run(stopped, ROOT).snapshot.get("awaiting", {}).get("kind") == "children"
            and [run for run in record_ids(engine.redis, stopped, "run") if "." in run]
        ),
        what="the stopped Map's children",
    )
    child = group[0]
    abandoned = awaited_token(engine, stopped, child)
    engine.stop(stopped, "Halted", "by the test")
    described = {name: engine.wait(e, timeout=60) for name, e in ended.items()}
    statuses = {name: d["status"] for name, d in described.items()}
    succeeded = ["pass-map", "task-map", "parallel", "retried", "distributed"]
    assert statuses == {**dict.fromkeys(succeeded, "SUCCEEDED"), "failed": "FAILED"}
    assert json.loads(described["task-map"]["output"]) == [n * n for n in range(30)]
    assert engine.wait(callback, timeout=30)["status"] == "SUCCEEDED"
    assert engine.describe(stopped)["status"] == "ABORTED"

    # A redriven failed Map runs its iterations again, from its own kept records.
    engine.redrive(ended["failed"])
    assert engine.wait(ended["failed"], timeout=30)["status"] == "FAILED"
    history = engine.history(ended["failed"])
    assert len([e for e in history if e["type"] == "MapIterationStarted"]) == 6

    everything = [*ended.values(), callback, stopped]
    wait_until(lambda: quiet(engine.redis, everything), timeout=30, what="queues and timers")
    for name, execution in [*ended.items(), ("callback", callback), ("stopped", stopped)]:
        found = records(engine.redis, execution)
        if name == "distributed":
            histories = {k for k in found if k.startswith("run_history:")}
            assert len(histories) == 3, found
            found -= histories | {"run_histories"}
        assert found == KEPT, (name, found)
        expiry = due_at(engine.redis, RetentionExpiry(execution))
        assert expiry == pytest.approx(time.time() + 90 * 86_400, abs=600), name
    expiring = [t.execution for t in timers(engine.redis) if isinstance(t, RetentionExpiry)]
    assert sorted(expiring) == sorted(everything)
    assert shared_records(engine.redis, everything) == SFN_GLOBAL
    assert rq_kinds(engine.redis) <= RQ_KINDS
    assert token_records(engine.redis) == []
    for finished in (token, abandoned):
        with pytest.raises(TaskNotAwaited):
            engine.send_task_success(finished, 0)
