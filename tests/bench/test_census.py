"""bench.census: how keys are classified, counted per execution, and when the queues are quiet."""

from __future__ import annotations

import fakeredis
import pytest

from bench import census
from engine.runtime import keys

EXECUTION = "W3:0d6c1f"


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        (keys.meta(EXECUTION), "meta"),
        (keys.history(EXECUTION), "history"),
        (keys.run(EXECUTION, "root"), "run (root)"),
        (keys.run(EXECUTION, "fb415f538f36.17"), "run (child)"),
        (keys.group(EXECUTION, "fb415f538f36"), "group"),
        (keys.group_specs(EXECUTION, "fb415f538f36"), "group:specs"),
        (keys.group_results(EXECUTION, "fb415f538f36"), "group:results"),
        (keys.run_history(EXECUTION, "fb415f538f36.3"), "history (run)"),
        (keys.done(EXECUTION), "done"),
        (keys.token("ab12"), "token"),
        (keys.definition("ab12"), "sfn:definition"),
        (keys.by_state_machine("W3"), "sfn:statemachine"),
        ("rq:job:ab12", "rq:job"),
        ("rq:queue:sfn", "rq:queue"),
    ],
)
def test_each_key_counts_under_its_kind(key: str, kind: str) -> None:
    assert census.kind_of(key) == kind


def test_per_execution_figures_leave_shared_keys_out() -> None:
    kinds = {"meta": 10, "history": 10, "token": 30, "rq:job": 5, "rq:workers": 3,
             "sfn:definition": 1}  # fmt: skip
    assert census.per_execution(kinds, 10) == {
        "meta": 1, "history": 1, "token": 3, "rq:job": 0.5,
    }  # fmt: skip
    assert census.summary(kinds, 10) == (
        "meta 1, history 1, token 3, rq:job 0.50; shared: rq:workers 3, sfn:definition 1"
    )


def test_count_keys_counts_timer_members_by_kind_and_skips_the_bench_keys() -> None:
    client = fakeredis.FakeRedis()
    client.set(keys.meta(EXECUTION), "x")
    client.set(keys.run(EXECUTION, "g.1"), "x")
    client.set(keys.run(EXECUTION, "g.2"), "x")
    client.set("bench:rq:ready", "1")
    client.zadd(keys.TIMERS, {'{"k": "job", "id": "1"}': 1, '{"k": "timeout"}': 2})
    assert census.count_keys(client) == {
        "meta": 1, "run (child)": 2, "sfn:timers": 1,
        "timers member (job)": 1, "timers member (timeout)": 1,
    }  # fmt: skip


def test_drain_waits_for_empty_queues_and_idle_workers() -> None:
    client = fakeredis.FakeRedis()
    client.sadd("rq:workers", "rq:worker:a")
    client.hset("rq:worker:a", "state", "idle")
    assert census.drain(client, timeout=5) is not None
    client.rpush("rq:queue:sfn", "job")
    assert census.drain(client, timeout=0.3) is None
    client.delete("rq:queue:sfn")
    client.hset("rq:worker:a", "state", "busy")
    assert census.drain(client, timeout=0.3) is None
