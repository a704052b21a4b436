"""Child runs see `$$.Execution.Input` without storing it: one copy per execution, not per item."""

from __future__ import annotations

import json

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from engine import activities
from engine.runtime import dispatch, keys
from engine.runtime.engine import Engine
from engine.runtime.store import ROOT

from .conftest import drain

BLOB = "b" * 4000


@activities.activity("unit_context_echo")
def echo(task: dict) -> dict:
    return task


def map_reading_the_execution_input(mode: str) -> dict:
    work = {
        "Type": "Task",
        "Resource": "unit_context_echo",
        "Parameters": {"item.$": "$", "tag.$": "$$.Execution.Input.tag"},
        "Next": "Again",
    }
    again = {
        "Type": "Pass",
        "Parameters": {"item.$": "$.item", "tag.$": "$.tag", "size.$": "$$.Execution.Input.n"},
        "End": True,
    }
    processor = {
        "ProcessorConfig": {"Mode": mode},
        "StartAt": "Work",
        "States": {"Work": work, "Again": again},
    }
    return {
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "End": True}
        },
    }


@pytest.mark.parametrize("mode", ["INLINE", "DISTRIBUTED"])
def test_iterations_read_the_execution_input_that_no_child_record_holds(
    engine: Engine, mode: str
) -> None:
    given = {"items": [1, 2, 3], "tag": "t", "n": 3, "blob": BLOB}
    execution = engine.start_execution(map_reading_the_execution_input(mode), given)
    # Only the join runs: the children start and wait for their tasks (their records are
    # deleted once the group is delivered).
    SimpleWorker(
        [dispatch.queue(engine.redis)], connection=engine.redis, serializer=JSONSerializer
    ).work(burst=True, logging_level="WARNING")
    child_keys = [
        key
        for key in engine.redis.scan_iter(f"{keys.run(execution, '*')}")
        if not key.decode().endswith(f":run:{ROOT}")
    ]
    specs = list(engine.redis.scan_iter(keys.group_specs(execution, "*")))
    assert len(child_keys) == 3 and len(specs) == 1
    for key in child_keys:
        assert BLOB not in engine.redis.get(key).decode()
    assert all(BLOB not in value.decode() for value in engine.redis.hvals(specs[0]))
    described = drain(engine, execution)
    assert described["status"] == "SUCCEEDED", described
    expected = [{"item": item, "tag": "t", "size": 3} for item in given["items"]]
    assert json.loads(described["output"]) == expected
