"""Child runs see `$$.Execution.Input` without storing it: one copy per execution, not per item."""

from __future__ import annotations

import json

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from support.inspection import group_record, record_ids, run_record

from engine import activities
from engine.runtime import dispatch
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
    children = record_ids(engine.redis, execution, "run") - {ROOT}
    (group,) = record_ids(engine.redis, execution, "group_specs")
    assert len(children) == 3
    for run in children:
        assert BLOB not in json.dumps(run_record(engine.redis, execution, run))
    specs = group_record(engine.redis, execution, group, "group_specs")
    assert specs and all(BLOB not in value for value in specs.values())
    described = drain(engine, execution)
    assert described["status"] == "SUCCEEDED", described
    expected = [{"item": item, "tag": "t", "size": 3} for item in given["items"]]
    assert json.loads(described["output"]) == expected
