"""`sfn run NAME` runs a state machine created by name through the AWS API."""

from __future__ import annotations

import json

from support.aws_api import ROLE
from support.workers import run_sfn

from engine.awsapi.protocol import call
from engine.runtime.engine import Engine

DEFINITION = json.dumps(
    {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"named": True}, "End": True}}}
)


def test_sfn_run_takes_the_name_of_a_created_state_machine(redis_url, tmp_path) -> None:
    engine = Engine(redis_url)
    call(engine, "CreateStateMachine", {"name": "greet", "definition": DEFINITION, "roleArn": ROLE})
    done = run_sfn(["run", "greet", "--json", "--name", "r1"], redis_url=redis_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert (result["status"], result["output"]) == ("SUCCEEDED", {"named": True})
    assert result["executionId"] == "greet:r1"
    missing = run_sfn(["run", "nothing-here", "--json"], redis_url=redis_url, cwd=tmp_path)
    assert missing.returncode == 2 and "nothing-here" in missing.stderr
