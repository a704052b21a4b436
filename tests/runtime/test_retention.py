"""Retention on a real Redis: a finished execution's keys expire SFN_RETENTION_DAYS after its end
(0 keeps them), its `expire` timer clears its index entries, a redrive takes the expiry back,
and `purge` deletes finished executions by each filter, never a running one."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from support.inspection import due_at, record_ttls, records, timers
from support.waiting import wait_until
from support.workers import run_sfn

from engine.runtime import config, keys
from engine.runtime.engine import Engine
from engine.runtime.store import ROOT, ExecutionDoesNotExist
from engine.runtime.timer_entries import RetentionExpiry
from engine.runtime.timers import fire_due

from .conftest import drain

DAY = 86_400
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom"}}}
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
DISTRIBUTED = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED"},
                "StartAt": "It",
                "States": {"It": {"Type": "Pass", "End": True}},
            },
            "End": True,
        }
    },
}


@pytest.fixture
def days(monkeypatch: pytest.MonkeyPatch) -> Iterator[callable]:
    def set_days(value: str) -> None:
        monkeypatch.setenv(config.ENV_RETENTION, value)
        config.forget()

    yield set_days


def indexed(client: redis.Redis, execution: str) -> list[str]:
    names = [keys.EXECUTIONS, keys.by_state_machine(execution.partition(":")[0])]
    names += [keys.by_status(s) for s in ("RUNNING", "SUCCEEDED", "FAILED")]
    return [name for name in names if client.zscore(name, execution) is not None]


def test_a_finished_execution_expires_after_the_retention_period(redis_url: str, days) -> None:
    days("2")
    engine = Engine(redis_url)
    execution = engine.start_execution(DISTRIBUTED, [1, 2, 3], "kept", state_machine="keep")
    assert drain(engine, execution)["status"] == "SUCCEEDED"  # jobs run in this process
    found = record_ttls(engine.redis, execution)
    histories = [name for name in found if name.startswith("run_history:")]
    assert len(histories) == 3 and "run_histories" in found
    for name, ttl in found.items():
        assert 2 * DAY - 60 < ttl <= 2 * DAY, name
    due = due_at(engine.redis, RetentionExpiry(execution))
    assert due == pytest.approx(time.time() + 2 * DAY, abs=60)
    assert len(indexed(engine.redis, execution)) == 3
    # Sorted sets cannot expire members: the `expire` timer takes the index entries out.
    assert fire_due(engine.runtime, now=time.time() + 2 * DAY + 1) == 1
    assert indexed(engine.redis, execution) == [] and records(engine.redis, execution) == set()
    assert engine.list_executions() == []


def test_zero_days_keeps_finished_executions_forever(redis_url: str, days) -> None:
    days("0")
    engine = Engine(redis_url)
    execution = engine.start_execution(FAIL, {})
    assert engine.describe(execution)["status"] == "FAILED"
    assert set(record_ttls(engine.redis, execution).values()) == {-1}
    assert timers(engine.redis) == []


def test_running_executions_never_expire_and_a_redrive_takes_expiry_back(
    redis_url: str, days
) -> None:
    days("1")
    engine = Engine(redis_url)
    running = engine.start_execution(WAIT, {})
    assert set(record_ttls(engine.redis, running).values()) == {-1}
    failed = engine.start_execution(FAIL, {})
    assert record_ttls(engine.redis, failed)["meta"] > 0
    engine.redrive(failed)  # fails again at once: a new end, a new expiry
    assert engine.describe(failed)["redriveCount"] == 1
    assert record_ttls(engine.redis, failed)["meta"] > 0
    stopped = engine.start_execution(WAIT, {}, "stopped")
    engine.stop(stopped)
    assert record_ttls(engine.redis, stopped)["history"] > 0
    redriven = engine.redrive(stopped)
    assert redriven["status"] == "RUNNING"
    assert set(record_ttls(engine.redis, stopped).values()) == {-1}
    assert due_at(engine.redis, RetentionExpiry(stopped)) is None


@pytest.fixture
def population(redis_url: str, days) -> tuple[Engine, dict[str, str]]:
    days("90")
    engine = Engine(redis_url)
    made = {
        "a-ok": engine.start_execution(PASS, {}, "ok", state_machine="a"),
        "a-failed": engine.start_execution(FAIL, {}, "failed", state_machine="a"),
        "b-ok": engine.start_execution(PASS, {}, "ok", state_machine="b"),
        "b-running": engine.start_execution(WAIT, {}, "running", state_machine="b"),
    }
    stopped = engine.start_execution(WAIT, {}, "stopped", state_machine="b")
    engine.stop(stopped)
    made["b-stopped"] = stopped
    return engine, made


def test_purge_by_status(population) -> None:
    engine, made = population
    assert engine.purge(status="FAILED") == 1
    assert records(engine.redis, made["a-failed"]) == set()
    assert indexed(engine.redis, made["a-failed"]) == []
    assert engine.purge(status="FAILED") == 0
    with pytest.raises(ExecutionDoesNotExist):
        engine.describe(made["a-failed"])


def test_purge_by_state_machine(population) -> None:
    engine, made = population
    assert engine.purge(state_machine="b") == 2  # succeeded and aborted; not the running one
    remaining = {row["executionId"] for row in engine.list_executions()}
    assert remaining == {made["a-ok"], made["a-failed"], made["b-running"]}


def test_purge_by_age(population) -> None:
    engine, made = population
    assert engine.purge(older_than=3600) == 0
    engine.redis.hset(keys.meta(made["a-ok"]), "stopDate", "2000-01-01T00:00:00.000Z")
    assert engine.purge(older_than=3600) == 1
    assert records(engine.redis, made["a-ok"]) == set()


def test_purge_never_touches_running_executions(population) -> None:
    engine, made = population
    assert engine.purge() == 4
    assert [row["executionId"] for row in engine.list_executions()] == [made["b-running"]]
    assert engine.describe(made["b-running"])["status"] == "RUNNING"
    assert f"run:{ROOT}" in records(engine.redis, made["b-running"])


def test_a_purged_redrivable_execution_is_gone(population) -> None:
    engine, made = population
    failed = made["a-failed"]
    assert engine.describe(failed)["redriveStatus"] == "REDRIVABLE"
    assert engine.purge(status="FAILED", state_machine="a") == 1
    for call in (engine.describe, engine.redrive, engine.history):
        with pytest.raises(ExecutionDoesNotExist):
            call(failed)
    assert records(engine.redis, failed) == set()
    assert due_at(engine.redis, RetentionExpiry(failed)) is None


def test_sfn_executions_purge_prints_how_many(population, redis_url: str) -> None:
    engine, made = population
    done = run_sfn(["executions", "purge", "--status", "SUCCEEDED"], redis_url=redis_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "purged 2 executions"
    again = run_sfn(
        ["executions", "purge", "--older-than", "1d12h", "--state-machine", "b"],
        redis_url=redis_url,
    )
    assert again.stdout.strip() == "purged 0 executions"
    bad = run_sfn(["executions", "purge", "--older-than", "soon"], redis_url=redis_url)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert "--older-than 'soon'" in bad.stderr and "Traceback" not in bad.stderr
    running = run_sfn(["executions", "purge", "--status", "RUNNING"], redis_url=redis_url)
    assert running.returncode == 2
    assert engine.describe(made["b-running"])["status"] == "RUNNING"


@pytest.mark.parametrize(
    "args", [["executions", "list"], ["worker", "--burst", "--concurrency", "2"]]
)
def test_a_bad_retention_setting_is_one_line_and_exit_2(redis_url: str, args) -> None:
    done = run_sfn(args, redis_url=redis_url, env={config.ENV_RETENTION: "ninety"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1:] == [
        "error: $SFN_RETENTION_DAYS must be a number of days, 0 or more (it is 'ninety')"
    ]
    assert "Traceback" not in done.stderr


def test_a_worker_sets_the_expiry_of_what_it_ends(redis_url: str, sfn_worker, days) -> None:
    sfn_worker(env={config.ENV_RETENTION: "3"})
    days("0")  # this process keeps forever: the worker's setting is the one that counts
    engine = Engine(redis_url)
    parallel = {
        "StartAt": "Par",
        "States": {
            "Par": {
                "Type": "Parallel",
                "Branches": [
                    PASS,
                    {"StartAt": "W", "States": {"W": {"Type": "Pass", "End": True}}},
                ],
                "End": True,
            }
        },
    }
    execution = engine.start_execution(parallel, {})
    assert engine.wait(execution, timeout=30)["status"] == "SUCCEEDED"
    wait_until(lambda: record_ttls(engine.redis, execution)["meta"] > 0, what="the expiry")
    assert 3 * DAY - 60 < record_ttls(engine.redis, execution)["meta"] <= 3 * DAY
