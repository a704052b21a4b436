"""Bad input through the real `sfn` command: one clear line, an exit code, stored data intact.

Every case runs against a database that already holds executions; afterwards their
descriptions, histories and the listing must be exactly as before.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support.crash import ACTIVITIES
from support.redis_process import RedisProcess
from support.workers import run_sfn

from engine.runtime import tokens
from engine.runtime.engine import Engine

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
TASK = "StartAt: T\nStates:\n  T: {Type: Task, Resource: %s, End: true}\n"
LIMIT = 256 * 1024


def one_clear_line(done: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """The command failed with `code` and said so in one line naming `words`, no traceback."""
    lines = [line for line in done.stderr.splitlines() if line.startswith("error")]
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def stored(redis_url: str):
    """Two finished executions in the database, and a check that nothing about them changed."""
    engine = Engine(redis_url)
    for name in ("kept-1", "kept-2"):
        execution = engine.start_execution(PASS, {"n": name}, name=name, state_machine="keep")
        assert engine.describe(execution)["status"] == "SUCCEEDED"
    before = snapshot(engine)
    yield engine
    assert snapshot(Engine(redis_url)) == before


def snapshot(engine: Engine) -> list:
    rows = engine.list_executions()
    return [(row, engine.history(row["executionId"])) for row in rows]


def test_malformed_input_json(redis_url, stored, tmp_path: Path) -> None:
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    inline = run_sfn(["run", str(workflow), "--input", "{oops"], redis_url=redis_url)
    one_clear_line(inline, 2, "--input", "not JSON")
    bad_file = tmp_path / "input.json"
    bad_file.write_text('{"a": 1,}')
    from_file = run_sfn(["run", str(workflow), "--input-file", str(bad_file)], redis_url=redis_url)
    one_clear_line(from_file, 2, "input.json", "not JSON")
    output = run_sfn(["send-task-success", "--token", "t", "--output", "[1,"], redis_url=redis_url)
    one_clear_line(output, 2, "not valid JSON")


@pytest.mark.parametrize("constant", ["NaN", "[Infinity]", '{"a": -Infinity}'])
def test_input_that_only_python_reads_as_json(redis_url, stored, tmp_path, constant) -> None:
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    done = run_sfn(["run", str(workflow), "--input", constant], redis_url=redis_url)
    one_clear_line(done, 2, "not JSON")
    output = run_sfn(
        ["send-task-success", "--token", "t", "--output", constant], redis_url=redis_url
    )
    one_clear_line(output, 2, "not valid JSON")


@pytest.mark.parametrize("mode", [[], ["--in-memory"]], ids=["durable", "in-memory"])
def test_an_input_file_that_is_not_utf8(redis_url, stored, tmp_path: Path, mode) -> None:
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"name": "Zoë"}'.encode("latin-1"))
    done = run_sfn(["run", str(workflow), "--input-file", str(latin), *mode], redis_url=redis_url)
    one_clear_line(done, 2, "latin.json", "not UTF-8", "0xeb")


@pytest.mark.parametrize("mode", [[], ["--in-memory"]], ids=["durable", "in-memory"])
def test_input_nested_past_the_limit(redis_url, stored, tmp_path: Path, mode) -> None:
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    deep = "[" * 1000 + "]" * 1000
    inline = run_sfn(["run", str(workflow), "--input", deep, *mode], redis_url=redis_url)
    one_clear_line(inline, 2, "--input", "nested more than 200 levels deep")
    deep_file = tmp_path / "deep.json"
    deep_file.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    args = ["run", str(workflow), "--input-file", str(deep_file), *mode]
    one_clear_line(run_sfn(args, redis_url=redis_url), 2, "deep.json", "nested more than 200")


@pytest.mark.parametrize("mode", [[], ["--in-memory"]], ids=["durable", "in-memory"])
def test_input_nested_up_to_the_limit_runs(redis_url, tmp_path: Path, mode) -> None:
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    just_fits = "[" * 200 + "]" * 200
    args = ["run", str(workflow), "--input", just_fits, "--json", *mode]
    ok = run_sfn(args, redis_url=redis_url)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["output"] == json.loads(just_fits)


def test_a_task_output_nested_past_the_limit(redis_url, stored) -> None:
    deep = "[" * 1000 + "]" * 1000
    done = run_sfn(["send-task-success", "--token", "t", "--output", deep], redis_url=redis_url)
    one_clear_line(done, 2, "--output", "nested more than 200 levels deep")


def test_a_definition_error_is_not_prefixed_twice(redis_url, stored, tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    for mode in ([], ["--in-memory"]):
        done = run_sfn(["run", str(empty), *mode], redis_url=redis_url, cwd=tmp_path)
        assert done.returncode == 2
        assert done.stderr == f"{empty}:1:1: error: the definition is empty\n"


@pytest.mark.parametrize("text", ['"hello"', '"[1, 2]"', '"{}"', '"3"'])
def test_a_json_string_input_stays_a_string(redis_url, tmp_path: Path, text: str) -> None:
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    done = run_sfn(["run", str(workflow), "--input", text, "--json"], redis_url=redis_url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["output"] == json.loads(text)


@pytest.mark.parametrize(
    "args",
    [
        ["executions", "describe", "keep:nobody"],
        ["executions", "history", "keep:nobody"],
        ["stop", "keep:nobody"],
        ["redrive", "keep:nobody"],
        ["graph", "WORKFLOW", "--execution", "keep:nobody"],
    ],
    ids=["describe", "history", "stop", "redrive", "graph"],
)
def test_an_unknown_execution_id(redis_url, stored, tmp_path: Path, args: list[str]) -> None:
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    args = [str(workflow) if arg == "WORKFLOW" else arg for arg in args]
    done = run_sfn(args, redis_url=redis_url)
    one_clear_line(done, 1, "keep:nobody", "does not exist")


def test_an_unknown_task_token(redis_url, stored) -> None:
    token = "deadbeef" * 4
    done = run_sfn(["send-task-failure", "--token", token], redis_url=redis_url)
    line = one_clear_line(done, 1, tokens.ref(token), "not awaited")
    assert "deadbeef" not in line  # a token is a secret: errors name it by its ref


def test_an_unknown_resource(redis_url, stored, tmp_path: Path) -> None:
    workflow = tmp_path / "bogus.yaml"
    workflow.write_text(TASK % "no_such_activity")
    args = ["run", str(workflow), "--activities", str(ACTIVITIES)]
    done = run_sfn(args, redis_url=redis_url, cwd=tmp_path)
    line = one_clear_line(done, 2, "no_such_activity", "crash_step")
    assert "crash_square" in line  # the known activities are listed
    assert len(Engine(redis_url).list_executions()) == 2  # nothing was started


def test_an_unknown_resource_with_no_activities_at_all(redis_url, stored, tmp_path) -> None:
    workflow = tmp_path / "bogus.yaml"
    workflow.write_text(TASK % "no_such_activity")
    done = run_sfn(["run", str(workflow)], redis_url=redis_url, cwd=tmp_path)
    one_clear_line(done, 2, "no_such_activity", "known: none")
    assert len(Engine(redis_url).list_executions()) == 2  # nothing was started


@pytest.mark.parametrize("mode", [[], ["--in-memory"]], ids=["durable", "in-memory"])
def test_a_payload_over_the_limit(redis_url, stored, tmp_path: Path, mode) -> None:
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"blob": "x" * LIMIT}))
    done = run_sfn(["run", str(workflow), "--input-file", str(big), *mode], redis_url=redis_url)
    one_clear_line(done, 2, str(LIMIT), "payload limit")


def test_a_payload_just_under_the_limit_runs(redis_url, tmp_path: Path) -> None:
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    just_fits = tmp_path / "fits.json"
    just_fits.write_text(json.dumps({"blob": "x" * (LIMIT - 20)}))
    args = ["run", str(workflow), "--input-file", str(just_fits), "--json"]
    ok = run_sfn(args, redis_url=redis_url)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["output"] == json.loads(just_fits.read_text())


@pytest.mark.parametrize(
    "args",
    [["executions", "list"], ["run", "WORKFLOW"], ["worker", "--burst"]],
    ids=["list", "run", "worker"],
)
def test_an_unreachable_redis(tmp_path: Path, args: list[str]) -> None:
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    args = [str(workflow) if arg == "WORKFLOW" else arg for arg in args]
    done = run_sfn(args, redis_url="redis://127.0.0.1:1/0", cwd=tmp_path, timeout=30)
    one_clear_line(done, 2, "cannot reach Redis", "127.0.0.1:1")


def test_a_wrong_or_missing_redis_password(tmp_path: Path) -> None:
    server = RedisProcess(tmp_path / "locked", password="s3cret")
    server.start()
    try:
        engine = Engine(server.url)
        kept = engine.start_execution(PASS, {"n": 1}, name="kept", state_machine="keep")
        before = snapshot(engine)
        wrong = server.url.replace("s3cret", "guess")
        done = run_sfn(["executions", "list"], redis_url=wrong, cwd=tmp_path)
        line = one_clear_line(done, 2, "refused the password")
        assert "guess" not in line and "***" in line
        missing = server.url.replace(":s3cret@", "")
        done = run_sfn(["executions", "describe", kept], redis_url=missing, cwd=tmp_path)
        one_clear_line(done, 2, "needs a password")
        assert snapshot(Engine(server.url)) == before
    finally:
        server.kill()


def test_graph_of_an_execution_of_another_workflow(redis_url, stored, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(TASK % "crash_step")
    kept = stored.list_executions()[0]["executionId"]
    done = run_sfn(["graph", str(other), "--execution", kept], redis_url=redis_url)
    one_clear_line(done, 2, kept, "ran another definition than", "other.yaml")
    assert done.stdout == ""
    workflow = tmp_path / "pass.json"
    workflow.write_text(json.dumps(PASS))
    drawn = run_sfn(["graph", str(workflow), "--execution", kept], redis_url=redis_url)
    assert drawn.returncode == 0 and "SUCCEEDED" in drawn.stdout, drawn.stderr


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_executions_list_with_a_limit_below_one(redis_url, stored, limit: str) -> None:
    done = run_sfn(["executions", "list", "--limit", limit], redis_url=redis_url)
    assert done.stdout == ""
    line = one_clear_line(done, 2, f"Invalid value for '--limit': {limit} is not in the range x>=1")
    assert done.stderr == line + "\n"  # click's usage block is not printed around it


def test_an_unknown_option_is_one_line(redis_url) -> None:
    done = run_sfn(["run", "--bogus", "x.yaml"], redis_url=redis_url)
    assert done.stderr == one_clear_line(done, 2, "run: No such option '--bogus'") + "\n"
