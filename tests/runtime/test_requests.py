"""Each kind of commit request and the result its commit returns as data: committed or stale,
the child ends it recorded with their group's counts, what else the request wrote."""

from __future__ import annotations

from typing import get_args

import pytest
from support.inspection import make_due, record_ids, records, run_record, timers

from engine.core.effects import Effect
from engine.core.triggers import ChildrenDone, Start, TaskFailed, TaskSucceeded
from engine.runtime import keys, runtime
from engine.runtime.commit import EFFECT_WRITERS, STALE, ChildEnded
from engine.runtime.engine import Engine
from engine.runtime.group_records import GroupRecord, read_specs
from engine.runtime.requests import (
    BatchRequest,
    JoinRequest,
    StartRequest,
    StepRequest,
    TaskResultRequest,
)
from engine.runtime.store import ROOT, child_run_id
from engine.runtime.timer_entries import GroupJoin, encode

CALLBACK = {"Type": "Task", "Resource": "requests_probe.waitForTaskToken", "End": True}
TASK = {"StartAt": "T", "States": {"T": CALLBACK}}
PROCESSOR = {"StartAt": "T", "States": {"T": CALLBACK}}
MAP = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": PROCESSOR, "End": True}}}
# A Map, then a Task: the execution still runs once the Map's outcome is delivered.
MAP_THEN_TASK = {
    "StartAt": "M",
    "States": {
        "M": {"Type": "Map", "ItemProcessor": PROCESSOR, "Next": "After"},
        "After": CALLBACK,
    },
}


def _children_started(engine: Engine, items: list[int], machine=MAP) -> tuple[str, str]:
    """A Map over `items` whose children wait for their callback tokens: (execution, group)."""
    execution = engine.start_execution(machine, items, check_resources=False)
    (group,) = record_ids(engine.redis, execution, "group")
    runtime.advance_group(engine.runtime, execution, group)
    return execution, group


def _token(engine: Engine, execution: str, run_id: str) -> str:
    return run_record(engine.redis, execution, run_id)["snapshot"]["awaiting"]["token"]


def test_a_start_commits_once_and_a_second_start_of_the_name_is_stale(engine: Engine) -> None:
    execution = engine.start_execution(TASK, {"n": 1}, name="once", check_resources=False)
    meta = engine.store.meta(execution)
    again = StartRequest(execution, Start({"n": 1}, {}), meta, meta["definition"], TASK)
    assert engine.runtime.committer.commit(again) == STALE
    assert engine.describe(execution)["status"] == "RUNNING"


def test_a_start_writes_without_reading_first_and_a_name_in_use_is_then_read(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = []
    committer = engine.runtime.committer
    real = committer._read
    monkeypatch.setattr(committer, "_read", lambda *a, **k: read.append(a) or real(*a, **k))
    execution = engine.start_execution(TASK, {"n": 1}, name="fresh", check_resources=False)
    assert read == []  # one round trip: the guarded write, on a name not in use
    meta = engine.store.meta(execution)
    again = StartRequest(execution, Start({"n": 2}, {}), meta, meta["definition"], TASK)
    assert committer.commit(again) == STALE  # the guard failed, the read says why
    assert len(read) == 1
    assert engine.store.meta(execution)["input"] == '{"n":1}'


def test_a_stale_trigger_is_a_result_with_nothing_done(engine: Engine) -> None:
    execution = engine.start_execution(TASK, {}, check_resources=False)
    stale = StepRequest(execution, ROOT, TaskSucceeded("0" * 32, {}))
    result = engine.runtime.committer.commit(stale)
    assert result == STALE and result.ended == () and result.claimed is None


def test_a_child_end_is_returned_with_its_groups_counts_and_the_commit_joins_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    execution, group = _children_started(engine, [1, 2, 3])
    joined: list[str] = []
    monkeypatch.setattr(runtime, "advance_group", lambda rt, ex, g: joined.append(g))
    first, second = (child_run_id(group, index) for index in (0, 1))
    token = _token(engine, execution, first)
    succeeded = TaskResultRequest(execution, first, TaskSucceeded(token, 1))
    result = engine.runtime.committer.commit(succeeded)
    assert result.committed and result.claimed is None
    (ended,) = result.ended
    assert isinstance(ended, ChildEnded)
    assert (ended.group, ended.finished, ended.failed) == (group, 1, 0)
    token = _token(engine, execution, second)
    failed = TaskFailed(token, "Boom", "it broke")
    result = engine.runtime.committer.commit(TaskResultRequest(execution, second, failed))
    assert [(e.finished, e.failed) for e in result.ended] == [(2, 1)]
    assert joined == []  # the commit returned the ends; it called no join itself
    assert GroupJoin(execution, group) in timers(engine.redis, execution)


def test_runtime_advance_joins_when_the_last_child_ends(engine: Engine) -> None:
    execution, group = _children_started(engine, [5])
    child = child_run_id(group, 0)
    token = _token(engine, execution, child)
    result = engine.runtime.advance(TaskResultRequest(execution, child, TaskSucceeded(token, 6)))
    assert [(e.group, e.finished) for e in result.ended] == [(group, 1)]
    described = engine.describe(execution)
    assert described["status"] == "SUCCEEDED" and described["output"] == "[6]"


def test_a_join_delivers_and_closes_its_group_once(engine: Engine) -> None:
    execution, group = _children_started(engine, [1], MAP_THEN_TASK)
    delivery = JoinRequest(execution, ROOT, ChildrenDone([1]), group)
    assert engine.runtime.committer.commit(delivery).committed
    assert record_ids(engine.redis, execution, "group") == set()
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in engine.history(execution)
        if "stateEnteredEventDetails" in e
    ]
    assert entered[-1] == "After"  # the parent heard the Map's outcome and went on
    assert engine.runtime.committer.commit(delivery) == STALE  # the group is closed: heard once


def test_a_batch_starts_children_in_one_commit_and_a_racing_one_is_stale(engine: Engine) -> None:
    execution = engine.start_execution(MAP, [1, 2, 3], check_resources=False)
    (group,) = record_ids(engine.redis, execution, "group")
    record = GroupRecord.decode(engine.redis.hgetall(keys.group(execution, group)))
    assert record is not None and (record.started, record.limits.total) == (0, 3)
    meta = engine.store.meta(execution)
    specs = tuple(read_specs(engine.redis, execution, group, [0, 1]))
    batch = BatchRequest(execution, group, record, meta, specs)
    result = engine.runtime.committer.commit(batch)
    assert result.committed and result.started == 2 and result.ended == ()
    children = {child_run_id(group, 0), child_run_id(group, 1)}
    assert record_ids(engine.redis, execution, "run") == {ROOT, *children}
    assert GroupJoin(execution, group) in timers(engine.redis, execution)
    assert engine.runtime.committer.commit(batch) == STALE  # `started` moved: nothing written
    assert engine.store.group(execution, group)["started"] == "2"


def test_a_task_result_ends_what_the_attempt_held_in_its_commit(engine: Engine) -> None:
    execution = engine.start_execution(TASK, {}, check_resources=False)
    token = _token(engine, execution, ROOT)
    held = GroupJoin(execution, "held")  # stands for the attempt's lease and job watch
    make_due(engine.redis, held, 0)
    result = TaskResultRequest(execution, ROOT, TaskSucceeded(token, {}), (encode(held),), 0.5)
    assert engine.runtime.committer.commit(result).committed
    assert held not in timers(engine.redis, execution)
    assert engine.describe(execution)["status"] == "SUCCEEDED"
    assert "meta" in records(engine.redis, execution)


def test_every_effect_the_core_emits_has_a_writer() -> None:
    assert set(get_args(Effect)) == set(EFFECT_WRITERS)
