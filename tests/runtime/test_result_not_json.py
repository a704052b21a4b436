"""An activity whose result is not JSON data fails its attempt at once, on a real worker.

Before, the worker crashed while committing such a result: the lease fell due, the task was
delivered twice more (the activity ran three times) and the execution ended with
Sfn.WorkerLost. Now the attempt fails with Runtime.MarshalError, which Retry and Catch match.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.crash import ACTIVITIES, FAST, events, read_ledger, starts
from support.workers import run_sfn

from engine.language.json_data import loads
from engine.runtime.engine import Engine


def workflow(folder: Path) -> Path:
    task = {
        "Type": "Task",
        "Resource": "crash_not_json",
        "Retry": [{"ErrorEquals": ["Runtime.MarshalError"], "MaxAttempts": 1}],
        "End": True,
    }
    path = folder / "not-json.json"
    path.write_text(json.dumps({"StartAt": "Work", "States": {"Work": task}}))
    return path


@pytest.mark.parametrize(
    ("kind", "cause"),
    [
        ("datetime", "$.t: datetime is not JSON"),
        ("set", "$.t: set is not JSON"),
        ("nan", "$.t: NaN is not JSON"),
        ("deep", "nested more than 200 levels deep (at $[0][0][0]"),
    ],
)
def test_a_result_that_is_not_json_fails_each_attempt_once(
    redis_url, sfn_worker, tmp_path, kind, cause
) -> None:
    sfn_worker(activities=[ACTIVITIES], env=FAST)  # a lost task would be resent within 1 s
    ledger = tmp_path / "ledger"
    given = json.dumps({"kind": kind, "ledger": str(ledger)})
    args = ["run", str(workflow(tmp_path)), "--input", given, "--no-worker", "--json"]
    args += ["--activities", str(ACTIVITIES)]
    done = run_sfn(args, redis_url=redis_url, env=FAST, cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.stderr
    result = loads(done.stdout)  # strict JSON: no NaN anywhere
    assert (result["status"], result["error"]) == ("FAILED", "Runtime.MarshalError")
    assert result["cause"].startswith(f"Unable to marshal response: {cause}")
    # The Retry matched the error, and each of the two attempts ran exactly once.
    runs = starts(read_ledger(ledger), "not_json")
    assert len(runs) == 2 and runs[0].key != runs[1].key  # two attempts, not a redelivery
    history = Engine(redis_url).history(result["executionId"])
    assert len(events(history, "TaskStarted")) == 2
    failed = [e["taskFailedEventDetails"]["error"] for e in events(history, "TaskFailed")]
    assert failed == ["Runtime.MarshalError"] * 2


def test_in_memory_json_output_stays_json(tmp_path) -> None:
    ledger = tmp_path / "ledger"
    given = json.dumps({"kind": "nan", "ledger": str(ledger)})
    args = ["run", str(workflow(tmp_path)), "--input", given, "--in-memory", "--json"]
    done = run_sfn([*args, "--activities", str(ACTIVITIES)], cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.stderr
    result = loads(done.stdout)
    assert (result["error"], result["output"]) == ("Runtime.MarshalError", None)
    assert result["cause"] == "Unable to marshal response: $.t: NaN is not JSON"
    assert len(starts(read_ledger(ledger), "not_json")) == 2  # two attempts, each once
