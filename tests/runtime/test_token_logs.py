"""No task token in any log line or error message below DEBUG: a token completes a callback.

Real `sfn worker` processes log at INFO while an execution retries a Task, waits for a callback
(completed with `sfn send-task-success`), and has a Task redelivered after its worker is killed.
The activities write down every token they were given; none may show up in the output.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from support.crash import FAST
from support.waiting import wait_for_file
from support.workers import run_sfn

from engine.activities import Registry
from engine.runtime.engine import Engine
from engine.runtime.worker import make_worker

ACTIVITIES = Path(__file__).resolve().parents[1] / "support" / "token_activities.py"
BOUND = 60


def workflow() -> dict:
    tokens = {"tokens.$": "$.tokens"}
    retry = {"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}
    states = {
        "Flaky": {"Type": "Task", "Resource": "token_flaky", "Parameters": tokens},
        "Callback": {
            "Type": "Task",
            "Resource": "token_callback.waitForTaskToken",
            "Parameters": tokens,
        },
        "Gated": {
            "Type": "Task",
            "Resource": "token_gated",
            "Parameters": {**tokens, "gate.$": "$.gate"},
            "End": True,
        },
    }
    states["Flaky"].update(Retry=[retry], ResultPath="$.flaky", Next="Callback")
    states["Callback"].update(ResultPath="$.callback", Next="Gated")
    states["Gated"]["ResultPath"] = "$.gated"
    return {"StartAt": "Flaky", "States": states}


def test_no_token_of_an_execution_appears_in_worker_logs_or_cli_errors(
    redis_url, sfn_worker, tmp_path
) -> None:
    tokens, gate = tmp_path / "tokens.txt", tmp_path / "gate"
    first = sfn_worker(activities=[ACTIVITIES], env=FAST)
    engine = Engine(redis_url)
    given = {"tokens": str(tokens), "gate": str(gate)}
    execution = engine.start_execution(workflow(), given, check_resources=False)

    callback = wait_for_file(tokens.with_suffix(".callback"), timeout=BOUND).read_text()
    answers = [
        run_sfn(
            ["send-task-success", "--token", callback, "--output", '{"ok": 1}'], redis_url=redis_url
        ),
        run_sfn(["send-task-success", "--token", callback, "--output", "{}"], redis_url=redis_url),
        run_sfn(["send-task-heartbeat", "--token", callback], redis_url=redis_url),
    ]
    assert [answer.returncode for answer in answers] == [0, 1, 1], answers
    assert "not awaited" in answers[1].stderr

    wait_for_file(gate.with_suffix(".running"), timeout=BOUND)
    first.kill()  # the Task is redelivered to the second worker once its lease falls due
    gate.with_suffix(".go").write_text("go")
    second = sfn_worker(activities=[ACTIVITIES], env=FAST)
    described = engine.wait(execution, timeout=BOUND)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"])["flaky"] == {"attempts": 2}

    given_tokens = set(tokens.read_text().split())
    assert len(given_tokens) >= 3  # each attempt of Flaky, the callback, the redelivered Task
    logs = first.output() + second.output()
    assert "Job OK" in logs or "Successfully completed" in logs  # RQ's INFO lines are there
    said = logs + "".join(answer.stdout + answer.stderr for answer in answers)
    leaked = [token for token in given_tokens if token in said]
    assert not leaked, f"task tokens in the output: {leaked}\n{said}"


def test_rq_error_records_carry_no_job_arguments(fake, caplog) -> None:
    make_worker(fake, (), activities=Registry())
    secret = "0123456789abcdef0123456789abcdef"
    with caplog.at_level(logging.ERROR, logger="rq.worker"):
        logging.getLogger("rq.worker").error("job failed", extra={"kwargs": {"token": secret}})
    (record,) = caplog.records
    assert secret not in str(vars(record))
