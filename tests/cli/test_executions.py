"""`sfn executions|stop|redrive|send-task-*` in-process (CliRunner) on a real Redis server."""

from __future__ import annotations

import json

from click.testing import CliRunner

from engine import activities
from engine.cli import main
from engine.runtime.engine import Engine
from engine.runtime.store import ROOT
from engine.runtime.worker import EmbeddedWorker

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "done", "End": True}}}
CALLBACK = {
    "StartAt": "Ask",
    "States": {"Ask": {"Type": "Task", "Resource": "cli_ask.waitForTaskToken", "End": True}},
}
GATE = {"StartAt": "G", "States": {"G": {"Type": "Task", "Resource": "cli_gate", "End": True}}}
OPEN = {"open": False}


@activities.activity("cli_ask")
def ask(task: dict) -> None:
    """Would send the token to a person; the test answers with send-task-*."""


@activities.activity("cli_gate")
def gate(task: dict) -> str:
    if not OPEN["open"]:
        raise PermissionError("closed")
    return "passed"


def test_list_describe_history(redis_url: str) -> None:
    engine = Engine(redis_url, activities=activities.default_registry)
    execution = engine.start_execution(PASS, {"n": 1}, name="first", state_machine="demo")
    table = CliRunner().invoke(main, ["executions", "list", "--redis-url", redis_url])
    assert table.exit_code == 0
    assert table.output.splitlines()[0].split() == ["EXECUTION", "STATUS", "STARTED", "STOPPED"]
    assert "demo:first" in table.output and "SUCCEEDED" in table.output
    listed = CliRunner().invoke(main, ["executions", "list", "--json", "--redis-url", redis_url])
    assert [row["name"] for row in json.loads(listed.output)] == ["first"]
    described = CliRunner().invoke(
        main, ["executions", "describe", execution, "--json", "--redis-url", redis_url]
    )
    assert json.loads(json.loads(described.output)["output"]) == "done"
    history = CliRunner().invoke(
        main, ["executions", "history", execution, "--json", "--redis-url", redis_url]
    )
    assert [event["id"] for event in json.loads(history.output)] == [1, 2, 3, 4]


def test_unknown_execution_is_a_message_not_a_traceback(redis_url: str) -> None:
    result = CliRunner().invoke(
        main, ["executions", "describe", "demo:nope", "--redis-url", redis_url]
    )
    assert result.exit_code == 1
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_callback_task_completed_from_the_command_line(redis_url: str) -> None:
    engine = Engine(redis_url, activities=activities.default_registry)
    with EmbeddedWorker(engine.redis, activities=engine.activities):
        approved = engine.start_execution(CALLBACK, {}, name="yes")
        refused = engine.start_execution(CALLBACK, {}, name="no")
        tokens = [
            engine.store.run(x, ROOT).snapshot["awaiting"]["token"] for x in (approved, refused)
        ]
        beat = CliRunner().invoke(
            main, ["send-task-heartbeat", "--token", tokens[0], "--redis-url", redis_url]
        )
        assert beat.exit_code == 0, beat.output
        CliRunner().invoke(
            main,
            ["send-task-success", "--token", tokens[0], "--output", '{"ok": true}',
             "--redis-url", redis_url],
        )  # fmt: skip
        CliRunner().invoke(
            main,
            ["send-task-failure", "--token", tokens[1], "--error", "Refused",
             "--redis-url", redis_url],
        )  # fmt: skip
        assert json.loads(engine.wait(approved, timeout=10)["output"]) == {"ok": True}
        assert engine.wait(refused, timeout=10)["error"] == "Refused"
    late = CliRunner().invoke(
        main, ["send-task-success", "--token", tokens[0], "--redis-url", redis_url]
    )
    assert late.exit_code == 1 and "not awaited" in late.output


def test_stop_and_redrive(redis_url: str) -> None:
    engine = Engine(redis_url, activities=activities.default_registry)
    waiting = engine.start_execution(CALLBACK, {}, name="stoppable")
    stopped = CliRunner().invoke(main, ["stop", waiting, "--redis-url", redis_url])
    assert stopped.exit_code == 0 and "ABORTED" in stopped.output
    OPEN["open"] = False
    with EmbeddedWorker(engine.redis, activities=engine.activities):
        failing = engine.start_execution(GATE, {}, name="gated")
        assert engine.wait(failing, timeout=10)["status"] == "FAILED"
        OPEN["open"] = True
        redriven = CliRunner().invoke(main, ["redrive", failing, "--redis-url", redis_url])
        assert redriven.exit_code == 0 and "redrive 1" in redriven.output
        assert json.loads(engine.wait(failing, timeout=10)["output"]) == "passed"
    again = CliRunner().invoke(main, ["redrive", failing, "--redis-url", redis_url])
    assert again.exit_code == 1 and "SUCCEEDED" in again.output
