"""`--workflows DIR` on `sfn run` and `sfn worker`: where a nested `states:startExecution` finds
the state machine file it names (default $SFN_WORKFLOWS, else ./workflows), in memory and with
real worker processes on a real Redis."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.workers import process_env, run_sfn, sfn_command

from engine.cli import main
from engine.runtime import config

CHILD = {
    "StartAt": "Hello",
    "States": {"Hello": {"Type": "Pass", "Parameters": {"hello.$": "$.name"}, "End": True}},
}
PARENT = {
    "StartAt": "Nested",
    "States": {
        "Nested": {
            "Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {
                "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:greeter",
                "Input": {"name.$": "$.name"},
            },
            "OutputPath": "$.Output",
            "End": True,
        }
    },
}


@pytest.fixture
def folders(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """A parent file in an empty working folder (no ./workflows) and the child elsewhere."""
    work, elsewhere = tmp_path / "work", tmp_path / "machines"
    work.mkdir()
    elsewhere.mkdir()
    (work / "parent.json").write_text(json.dumps(PARENT))
    (elsewhere / "greeter.asl.json").write_text(json.dumps(CHILD))
    monkeypatch.chdir(work)
    monkeypatch.delenv("SFN_WORKFLOWS", raising=False)
    return work, elsewhere


def test_in_memory_a_nested_start_finds_its_file_in_the_workflows_folder(folders) -> None:
    elsewhere = folders[1]
    args = ["run", "parent.json", "--in-memory", "--json", "--input", '{"name": "Ada"}']
    found = CliRunner().invoke(main, [*args, "--workflows", str(elsewhere)])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output.splitlines()[-1])["output"] == {"hello": "Ada"}
    # without the flag ./workflows is searched, and the error names it
    config.forget()  # a command installs its settings for its process; this is a new "process"
    missing = CliRunner().invoke(main, args)
    assert missing.exit_code == 1
    result = json.loads(missing.output.splitlines()[-1])
    assert result["error"] == "StepFunctions.StateMachineDoesNotExistException"
    assert "in workflows/" in result["cause"]


def test_a_workflows_folder_that_does_not_exist_is_a_usage_error(folders) -> None:
    given = CliRunner().invoke(main, ["run", "parent.json", "--in-memory", "--workflows", "nope"])
    assert given.exit_code == 2
    assert "nope" in given.output and "Traceback" not in given.output


def test_a_worker_given_workflows_runs_the_nested_child(folders, redis_url: str) -> None:
    """`sfn run --no-worker` starts the parent; a real `sfn worker --workflows DIR` process
    starts the child from the file in DIR and finishes both."""
    work, elsewhere = folders
    worker = subprocess.Popen(
        sfn_command(["worker", "--workflows", str(elsewhere)]),
        cwd=work,
        env=process_env(redis_url, {"SFN_TIMER_POLL": "0.05"}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        args = ["run", "parent.json", "--no-worker", "--json", "--input", '{"name": "Bo"}']
        ran = run_sfn(args, redis_url=redis_url, cwd=work, timeout=60)
    finally:
        worker.terminate()
        worker.wait(30)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout.splitlines()[-1])["output"] == {"hello": "Bo"}


def test_sfn_run_with_its_embedded_worker_takes_workflows_too(folders, redis_url: str) -> None:
    work, elsewhere = folders
    args = ["run", "parent.json", "--json", "--input", '{"name": "Cy"}']
    ran = run_sfn([*args, "--workflows", str(elsewhere)], redis_url=redis_url, cwd=work)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout.splitlines()[-1])["output"] == {"hello": "Cy"}
