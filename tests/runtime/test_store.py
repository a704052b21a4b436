"""The store: immutable definitions, idempotent starts, history ids, indexes, stale writers."""

from __future__ import annotations

import json
import zlib

import pytest
from rq.job import Job
from support.inspection import queued_jobs, raw_run_record

from engine.core.triggers import TaskSucceeded
from engine.errors import DefinitionError, UsageError
from engine.runtime import dispatch, keys, tokens
from engine.runtime.engine import Engine, Payload, check_payload
from engine.runtime.requests import TaskResultRequest
from engine.runtime.store import (
    ROOT,
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    Run,
    dumps,
)

from .conftest import drain

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}}
TASK = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "unit_echo", "End": True}}}


def test_a_pass_machine_finishes_within_its_start_commit(engine: Engine) -> None:
    execution = engine.start_execution(PASS, {"a": 1}, name="one")
    described = engine.describe(execution)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"ok": 1}
    types = [event["type"] for event in engine.history(execution)]
    assert types == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]


def test_history_ids_chain_and_carry_a_timestamp(engine: Engine) -> None:
    execution = engine.start_execution(PASS, {}, name="ids")
    history = engine.history(execution)
    assert [event["id"] for event in history] == [1, 2, 3, 4]
    # AWS's numbering: the first state shares ExecutionStarted's previousEventId (0).
    assert [event["previousEventId"] for event in history] == [0, 0, 2, 3]
    assert all(event["timestamp"].endswith("Z") for event in history)
    stored = [json.loads(line) for line in engine.redis.lrange(keys.history(execution), 0, -1)]
    assert [next(iter(event)) for event in stored] == ["timestamp"] * 4  # first, as AWS lists it
    assert stored[0]["type"] == "ExecutionStarted"
    assert engine.history(execution, reverse=True)[0]["id"] == 4
    # Read from the middle, the numbering is the same.
    assert engine.store.history(execution, 1) == history[1:]


def test_same_name_and_input_returns_the_existing_execution(engine: Engine) -> None:
    first = engine.start_execution(TASK, {"x": 1}, name="order-1", check_resources=False)
    history = engine.history(first)
    again = engine.start_execution(TASK, '{"x": 1}', name="order-1", check_resources=False)
    assert again == first
    assert engine.history(first) == history  # the second start wrote nothing
    assert len(engine.list_executions()) == 1


def test_same_name_with_other_input_is_rejected(engine: Engine) -> None:
    engine.start_execution(TASK, {"x": 1}, name="order-2", check_resources=False)
    with pytest.raises(ExecutionAlreadyExists):
        engine.start_execution(TASK, {"x": 2}, name="order-2", check_resources=False)


def test_definitions_are_stored_by_content_and_pinned(engine: Engine) -> None:
    first = engine.start_execution(PASS, {}, name="a")
    changed = {**PASS, "Comment": "edited"}
    second = engine.start_execution(changed, {}, name="b")
    pinned = [engine.store.meta(x)["definition"] for x in (first, second)]
    assert pinned[0] != pinned[1]
    assert engine.store.definition(pinned[0]) == PASS
    assert engine.store.definition(pinned[1]) == changed


def test_listing_filters_by_state_machine_and_status(engine: Engine) -> None:
    engine.start_execution(PASS, {}, name="p", state_machine="passes")
    engine.start_execution(TASK, {}, name="t", state_machine="tasks", check_resources=False)
    assert [row["name"] for row in engine.list_executions(state_machine="tasks")] == ["t"]
    assert [row["name"] for row in engine.list_executions(status="SUCCEEDED")] == ["p"]
    assert [row["name"] for row in engine.list_executions(status="RUNNING")] == ["t"]
    assert {row["name"] for row in engine.list_executions()} == {"p", "t"}


def test_bad_input_and_unknown_executions_are_clear_errors(engine: Engine) -> None:
    with pytest.raises(UsageError, match="not valid JSON"):
        engine.start_execution(PASS, "{nope", name="bad")
    with pytest.raises(UsageError, match="payload limit"):
        engine.start_execution(PASS, {"big": "x" * 300_000}, name="big")
    with pytest.raises(ExecutionDoesNotExist):
        engine.describe("nobody:here")
    with pytest.raises(DefinitionError):
        engine.start_execution({"StartAt": "Missing", "States": {}}, {})
    assert engine.list_executions() == []


def test_a_checked_payload_is_stored_as_printed_and_not_checked_again(engine: Engine) -> None:
    payload = check_payload('{"a": [1, "é"]}')
    assert payload == Payload({"a": [1, "é"]}, '{"a":[1,"é"]}')
    assert check_payload(payload) is payload
    with pytest.raises(UsageError, match=r"input is not JSON data: \$\.a: set is not JSON"):
        check_payload({"a": {1}})
    with pytest.raises(UsageError, match=r"--output is 300\d+ bytes, over the 262144-byte"):
        check_payload(f'"{"x" * 300_000}"', "--output")
    # What stores a Payload uses its text (the API's start checked the input already).
    execution = engine.start_execution(PASS, Payload({"a": 1}, '{"a":1} '), name="checked")
    assert engine.describe(execution)["input"] == '{"a":1} '


def test_a_task_is_one_json_rq_job_whose_id_is_a_digest_of_the_token(engine: Engine) -> None:
    execution = engine.start_execution(TASK, {"n": 1}, name="job", check_resources=False)
    snapshot = engine.store.run(execution, ROOT).snapshot
    token = snapshot["awaiting"]["token"]
    assert len(token) == 32 and int(token, 16) >= 0
    assert not Job.exists(token, connection=engine.redis)  # a secret: not in RQ's logs
    data = engine.redis.hget(Job.key_for(tokens.job_id(token)), "data")
    # RQ zlib-compresses the serialized call; inside is plain JSON, never a pickle.
    assert json.loads(zlib.decompress(data))[3]["input"] == {"n": 1}
    # An unrouted task waits on its activity's own queue, never on the shared one.
    assert queued_jobs(engine.redis, dispatch.DEFAULT_QUEUE) == []
    assert queued_jobs(engine.redis, dispatch.activity_queue("unit_echo")) == [tokens.job_id(token)]


def test_a_stale_result_commits_nothing(engine: Engine) -> None:
    execution = engine.start_execution(TASK, {}, name="stale", check_resources=False)
    before = engine.store.run(execution, ROOT).snapshot
    assert not engine.runtime.advance(
        TaskResultRequest(execution, ROOT, TaskSucceeded("0" * 32, {}))
    ).committed
    assert engine.store.run(execution, ROOT).snapshot == before


def test_a_writer_that_lost_the_race_re_decides(engine: Engine, monkeypatch) -> None:
    execution = engine.start_execution(TASK, {}, name="race", check_resources=False)
    token = engine.store.run(execution, ROOT).snapshot["awaiting"]["token"]
    other = Engine(client=engine.redis)
    original = engine.runtime.committer._decide
    calls = []

    def decide_then_get_overtaken(*args):
        decision = original(*args)
        if not calls:
            other.runtime.advance(
                TaskResultRequest(execution, ROOT, TaskSucceeded(token, {"by": "other"}))
            )
        calls.append(decision)
        return decision

    monkeypatch.setattr(engine.runtime.committer, "_decide", decide_then_get_overtaken)
    assert not engine.runtime.advance(
        TaskResultRequest(execution, ROOT, TaskSucceeded(token, {"by": "me"}))
    ).committed
    assert len(calls) == 2 and calls[1] is None
    assert json.loads(engine.describe(execution)["output"]) == {"by": "other"}
    succeeded = [e for e in engine.history(execution) if e["type"] == "TaskSucceeded"]
    assert len(succeeded) == 1


def test_names_are_checked_and_file_names_made_safe(engine: Engine, tmp_path) -> None:
    with pytest.raises(UsageError, match="invalid execution name"):
        engine.start_execution(PASS, {}, name="has space")
    with pytest.raises(UsageError, match="invalid state machine name"):
        engine.start_execution(PASS, {}, state_machine="a{b}")
    path = tmp_path / "my flow.json"
    path.write_text(json.dumps(PASS))
    assert engine.start_execution(str(path), {}, name="n1") == "my-flow:n1"


def test_a_run_record_starts_with_its_version_which_every_step_changes(engine: Engine) -> None:
    execution = engine.start_execution(TASK, {}, name="versioned", check_resources=False)
    raw = raw_run_record(engine.redis, execution, ROOT)
    version = engine.store.run(execution, ROOT).snapshot["version"]
    assert raw.startswith(f'{{"v":{version},'.encode())
    token = engine.store.run(execution, ROOT).snapshot["awaiting"]["token"]
    assert engine.runtime.advance(
        TaskResultRequest(execution, ROOT, TaskSucceeded(token, {}))
    ).committed
    after = raw_run_record(engine.redis, execution, ROOT)
    assert after.startswith(f'{{"v":{version + 1},'.encode())


def test_stored_json_is_python_s_compact_json_and_refuses_what_is_not_json() -> None:
    values = [
        {"a": 'é"\\\n\u2028\x00', "b": [1, 2.5, 1e100, -0.0, True, None, {}], "c": {"d": []}},
        "text",
        3,
        2.0,
        None,
        [],
        10**30,
    ]
    for value in values:
        assert dumps(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    with pytest.raises(TypeError):
        dumps({"x": object()})


MAP_END = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}},
            "ResultPath": "$.results",
            "End": True,
        }
    },
}


def test_an_output_printed_once_is_the_same_text_in_the_record_meta_and_history(
    engine: Engine,
) -> None:
    """A successful end stores its output's text as its history printed it (the run record
    splices it in): each copy reads back as the output, the execution's being the event's."""
    payload = {"items": [{"id": 1, "é": "x"}, [2.5, None, True]], "z": {}}
    execution = engine.start_execution(MAP_END, payload, name="printed")
    expected = {**payload, "results": payload["items"]}
    described = drain(engine, execution)  # the Map's join
    assert described["status"] == "SUCCEEDED"
    [succeeded] = [e for e in engine.history(execution) if e["type"] == "ExecutionSucceeded"]
    assert described["output"] == succeeded["executionSucceededEventDetails"]["output"]
    assert described["output"] == dumps(expected)
    record = json.loads(raw_run_record(engine.redis, execution, ROOT))
    assert record["snapshot"]["output"] == expected
    assert record["snapshot"]["status"] == "SUCCEEDED"
    assert engine.store.run(execution, ROOT).snapshot == record["snapshot"]


def test_a_run_record_with_its_output_spliced_in_reads_back_the_same() -> None:
    output = {"a": [1, "b"], "c": None}
    for snapshot in ({"version": 3, "output": output, "status": "SUCCEEDED"}, {"output": output}):
        run = Run("root", ("S", 0), "g", 2, snapshot)
        spliced = run.dump(dumps(output))
        assert json.loads(spliced) == json.loads(run.dump())
        assert spliced.startswith(run.dump()[:6])  # the version prefix the guards compare
