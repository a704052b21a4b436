"""Guarded commits and batched joins: stale writers refused, children started once and in
batches, joins only when needed, a join lost with its process done by the group's timer."""

from __future__ import annotations

import json
import time

import fakeredis
import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from support.inspection import (
    awaited_child_tokens,
    live_fields,
    record_ids,
    records,
    timers,
    token_records,
)

from engine import activities
from engine.runtime import counters, dispatch, groups, runtime
from engine.runtime.engine import Engine, TaskNotAwaited
from engine.runtime.guarded import GuardedWrite
from engine.runtime.store import ROOT
from engine.runtime.timer_entries import GroupJoin
from engine.runtime.timers import fire_due
from engine.runtime.worker import make_worker

from .conftest import drain


@activities.activity("commit_echo")
def echo(value: object) -> object:
    return value


@activities.activity("commit_fail")
def fail(value: object) -> object:
    raise ValueError(f"no {value}")


def pass_map(**extra) -> dict:
    processor = {"StartAt": "It", "States": {"It": {"Type": "Pass", "End": True}}}
    state = {"Type": "Map", "ItemProcessor": processor, "End": True, **extra}
    return {"StartAt": "M", "States": {"M": state}}


def task_map(resource: str, **extra) -> dict:
    processor = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource}}}
    processor["States"]["T"]["End"] = True
    state = {"Type": "Map", "ItemProcessor": processor, "End": True, **extra}
    return {"StartAt": "M", "States": {"M": state}}


def count_commits(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each commit from now on wrote (False: a guard refused it)."""
    commits: list[bool] = []
    original = GuardedWrite.commit

    def counted(self: GuardedWrite):
        replies = original(self)
        commits.append(replies is not None)
        return replies

    monkeypatch.setattr(GuardedWrite, "commit", counted)
    return commits


def iteration_indexes(history: list[dict], kind: str) -> list[int]:
    return [e["mapIterationStartedEventDetails"]["index"] for e in history if e["type"] == kind]


def test_stale_versions_are_refused_and_nothing_is_written(fake: fakeredis.FakeRedis) -> None:
    fake.set("run", b'{"v":3,"snapshot":{}}')
    stale = GuardedWrite(fake)
    stale.record_is("run", b'{"v":2,"snapshot":{}}')
    stale.pipe.set("other", 1)
    assert stale.commit() is None
    assert fake.get("other") is None
    current = GuardedWrite(fake)
    current.record_is("run", b'{"v":3,"snapshot":{}}')
    current.field_is("meta", "status", None)
    current.pipe.set("other", 1)
    assert current.commit() == {}


def test_records_without_a_version_are_compared_whole(fake: fakeredis.FakeRedis) -> None:
    fake.set("run", b'{"snapshot":{"n":1}}')
    write = GuardedWrite(fake)
    write.record_is("run", b'{"snapshot":{"n":2}}')
    write.pipe.set("run", b"{}")
    assert write.commit() is None
    write = GuardedWrite(fake)
    write.record_is("run", b'{"snapshot":{"n":1}}')
    write.pipe.set("run", b"{}")
    assert write.commit() == {}


def test_long_commands_go_in_pieces_within_one_commit(fake: fakeredis.FakeRedis) -> None:
    write = GuardedWrite(fake)
    write.pipe.hset("h", mapping={str(n): n for n in range(10_000)})
    write.pipe.rpush("l", *range(9_000))
    mark = write.mark()
    write.pipe.hincrby("c", "n", 5)
    replies = write.commit()
    assert replies is not None and replies[mark] == 5
    assert fake.hlen("h") == 10_000 and fake.llen("l") == 9_000


def test_merged_writes_keep_their_order_and_give_the_counts(fake: fakeredis.FakeRedis) -> None:
    write = GuardedWrite(fake)
    write.pipe.rpush("l", "before")
    for n in range(3):
        write.push("l", [f"a{n}", f"b{n}"])
        write.put("h", str(n), f"v{n}")
        handle = write.add("c", "n", 2)
    replies = write.commit()
    assert replies is not None and replies[handle] == 6
    assert fake.lrange("l", 0, -1) == [b"before", b"a0", b"b0", b"a1", b"b1", b"a2", b"b2"]
    assert fake.hgetall("h") == {b"0": b"v0", b"1": b"v1", b"2": b"v2"}


def test_a_pass_map_starts_its_children_in_batches_in_index_order(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = count_commits(monkeypatch)
    items = 2 * groups.BATCH + groups.BATCH // 2
    execution = engine.start_execution(pass_map(), list(range(items)))
    described = drain(engine, execution)
    assert json.loads(described["output"]) == list(range(items))
    # The start, 3 batches of at most BATCH children, the delivery.
    assert len(commits) == 5
    history = engine.history(execution)
    assert iteration_indexes(history, "MapIterationStarted") == list(range(items))
    kinds = [e["type"] for e in history if e["type"].startswith("MapIteration")]
    assert kinds == ["MapIterationStarted", "MapIterationSucceeded"] * items


def test_a_batch_counts_the_states_its_children_entered_in_one_command(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple] = []
    original = GuardedWrite.commit

    def recorded(self: GuardedWrite):
        sent.extend(command for command, _options in self.pipe.command_stack)
        return original(self)

    monkeypatch.setattr(GuardedWrite, "commit", recorded)
    items = groups.BATCH + groups.BATCH // 2
    execution = engine.start_execution(pass_map(), list(range(items)), state_machine="counted")
    drain(engine, execution)
    entered = sum("stateEnteredEventDetails" in e for e in engine.history(execution))
    assert entered == 1 + items  # the Map, each child's Pass
    assert counters.read(engine.redis).transitions == {"counted": entered}
    per_commit = [c for c in sent if c[0] == "HINCRBY" and c[2] == "transitions|counted"]
    assert len(per_commit) <= 5  # the start, 2 batches, the delivery: not one per child


def test_children_ending_in_their_first_step_free_their_slots_within_the_batch(
    engine: Engine, monkeypatch
) -> None:
    commits = count_commits(monkeypatch)
    items = groups.BATCH + 45
    execution = engine.start_execution(pass_map(MaxConcurrency=10), list(range(items)))
    assert json.loads(drain(engine, execution)["output"]) == list(range(items))
    # The start, 2 batches of at most BATCH children (each ended before the next started),
    # the delivery.
    assert len(commits) == 1 + 2 + 1
    history = engine.history(execution)
    kinds = [e["type"] for e in history if e["type"].startswith("MapIteration")]
    assert kinds == ["MapIterationStarted", "MapIterationSucceeded"] * items
    assert iteration_indexes(history, "MapIterationStarted") == list(range(items))


def test_max_concurrency_limits_each_batch(engine: Engine) -> None:
    execution = engine.start_execution(task_map("commit_echo", MaxConcurrency=10), list(range(25)))
    group = _group_of(engine, execution)
    runtime.advance_group(engine.runtime, execution, group)
    assert engine.store.group(execution, group)["started"] == "10"  # none of them has ended
    history = engine.history(execution)
    assert iteration_indexes(history, "MapIterationStarted") == list(range(10))
    assert json.loads(drain(engine, execution)["output"]) == list(range(25))


def test_a_batch_counts_only_the_children_still_running_against_max_concurrency(
    engine: Engine,
) -> None:
    odd = {"Variable": "$", "IsNumeric": True}  # odd items wait for a Task, even ones end
    processor = {
        "StartAt": "Odd?",
        "States": {
            "Odd?": {"Type": "Choice", "Default": "Ends",
                     "Choices": [{"And": [odd, {"Variable": "$", "NumericEqualsPath": "$"}],
                                  "Next": "Waits"}]},
            "Ends": {"Type": "Pass", "End": True},
            "Waits": {"Type": "Task", "Resource": "commit_echo", "End": True},
        },
    }  # fmt: skip
    state = {"Type": "Map", "ItemProcessor": processor, "MaxConcurrency": 2, "End": True}
    definition = {"StartAt": "M", "States": {"M": state}}
    items = [{"wait": False}, 1, {"wait": False}, 3, {"wait": False}, 5]
    execution = engine.start_execution(definition, items)
    group = _group_of(engine, execution)
    runtime.advance_group(engine.runtime, execution, group)
    # 0 ends, 1 runs, 2 ends, 3 runs: 2 running, the limit; 4 and 5 wait for a slot.
    assert engine.store.group(execution, group)["started"] == "4"
    assert json.loads(drain(engine, execution)["output"]) == items


def test_racing_joins_start_each_child_once(engine: Engine, monkeypatch) -> None:
    execution = engine.start_execution(task_map("commit_echo"), list(range(5)))
    group = _group_of(engine, execution)
    original = engine.runtime.committer.step
    raced: list[int] = []

    def step_then_race(*args):
        if not raced:
            raced.append(1)
            runtime.advance_group(engine.runtime, execution, group)  # commits first
        return original(*args)

    monkeypatch.setattr(engine.runtime.committer, "step", step_then_race)
    commits = count_commits(monkeypatch)
    runtime.advance_group(engine.runtime, execution, group)
    assert commits == [True, False]  # the racer's batch, then ours, refused: all had started
    assert engine.store.group(execution, group)["started"] == "5"
    monkeypatch.undo()
    described = drain(engine, execution)
    assert json.loads(described["output"]) == list(range(5))
    history = engine.history(execution)
    assert iteration_indexes(history, "MapIterationStarted") == list(range(5))
    assert len([e for e in history if e["type"] == "TaskScheduled"]) == 5


def test_a_join_lost_with_its_process_is_done_by_the_groups_timer(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, setting
) -> None:
    setting("SFN_LEASE_SECONDS", "5")
    monkeypatch.setattr(runtime, "after_finish", lambda *args: None)  # "dies" after each commit
    execution = engine.start_execution(task_map("commit_echo", MaxConcurrency=1), [7, 8])
    worker = make_worker(engine.redis, [], SimpleWorker, activities=engine.activities)
    for _ in range(3):
        worker.work(burst=True, logging_level="WARNING")
        fire_due(engine.runtime)
    assert engine.describe(execution)["status"] == "RUNNING"
    assert len([e for e in engine.history(execution) if e["type"] == "TaskSucceeded"]) == 1
    for _ in range(3):
        fire_due(engine.runtime, now=time.time() + 6)
        worker.work(burst=True, logging_level="WARNING")
    described = engine.describe(execution)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == [7, 8]


def test_a_due_join_timer_leaves_a_recheck_while_its_group_is_open(engine: Engine) -> None:
    execution = engine.start_execution(task_map("commit_echo"), [1])
    group = _group_of(engine, execution)
    runtime.join_due(engine.runtime, execution, group, "")
    joins = [t for t in timers(engine.redis, execution) if isinstance(t, GroupJoin)]
    rechecks = [join for join in joins if join.group == group and join.recheck]
    assert len(rechecks) == 1
    drain(engine, execution)
    runtime.join_due(engine.runtime, execution, group, rechecks[0].recheck)
    assert f"group:{group}" not in records(engine.redis, execution)


def test_a_group_closed_early_leaves_no_records_and_its_tokens_are_not_awaited(
    engine: Engine,
) -> None:
    callback = {"Type": "Task", "Resource": "commit_echo.waitForTaskToken", "End": True}
    failing = {"Type": "Task", "Resource": "commit_fail", "End": True}
    branches = [
        {"StartAt": "Wait", "States": {"Wait": callback}},
        {"StartAt": "Fail", "States": {"Fail": failing}},
    ]
    caught = [{"ErrorEquals": ["States.ALL"], "Next": "Later"}]
    parallel = {"Type": "Parallel", "Branches": branches, "Catch": caught, "End": True}
    later = {"Type": "Wait", "Seconds": 3600, "End": True}
    definition = {"StartAt": "P", "States": {"P": parallel, "Later": later}}
    execution = engine.start_execution(definition, 1)
    _run_joins(engine)
    tokens = awaited_child_tokens(engine.redis, execution)
    assert len(tokens) == 2
    worker = make_worker(engine.redis, [], SimpleWorker, activities=engine.activities)
    worker.work(burst=True, logging_level="WARNING")
    snapshot = engine.store.run(execution, ROOT).snapshot
    assert snapshot["awaiting"]["kind"] == "timer"  # caught: waiting in Later
    # The delivery closed the group: the waiting branch's record and token went with it.
    assert record_ids(engine.redis, execution, "group") == set()
    assert record_ids(engine.redis, execution, "run") == {ROOT}
    assert token_records(engine.redis) == []
    # Left: the revision, and which group the root opened last (for a redrive).
    assert set(live_fields(engine.redis, execution)) == {"rev", "root"}
    for token in tokens:
        with pytest.raises(TaskNotAwaited):
            engine.send_task_success(token, {})
    engine.stop(execution)
    assert "live" not in records(engine.redis, execution)


def _group_of(engine: Engine, execution: str) -> str:
    found = record_ids(engine.redis, execution, "group")
    assert len(found) == 1, found
    return found.pop()


def _run_joins(engine: Engine) -> None:
    """Run only the queued joins: children start, their tasks stay queued."""
    queue = dispatch.queue(engine.redis)
    SimpleWorker([queue], connection=engine.redis, serializer=JSONSerializer).work(
        burst=True, logging_level="WARNING"
    )
