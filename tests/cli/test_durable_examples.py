"""The example workflows run durably from the command line and end as the in-memory driver says.

Three ways to run: `sfn run --no-worker` with one `sfn worker`, with `sfn worker
--concurrency 4`, and `sfn run` (embedded worker) while two more `sfn worker`s share the work.
All examples start at once, so several executions advance on the same workers together.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from support.workers import process_env, sfn_command

from engine import testing
from engine.activities import Registry
from engine.activity_loading import load_activities
from engine.runtime.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = {"id": "c1", "email": "ann@example.com", "phone": "+15550100"}
ORDER = {"order_id": "A1", "customer": CUSTOMER, "amount": 30, "items": [{"sku": "book"}]}
ORDER["items"][0]["quantity"] = 2
EXAMPLES = {
    "order": ("order.yaml", ORDER),
    "order-sample": ("order.yaml", None),
    "order-refunded": ("order.yaml", {**ORDER, "items": [{"sku": "lamp", "quantity": 5}]}),
    "approval": ("approval.yaml", {"expense_id": "E1", "amount": 300, "category": "travel"}),
    "approval-rejected": ("approval.yaml", {"expense_id": "E2", "amount": 9000}),
    "fanout": ("fanout.yaml", {"customer": CUSTOMER, "total": 42}),
    "batch": ("batch.yaml", {"invoice_id": "I1", "lines": [{"sku": "book", "quantity": 2}]}),
}
EXAMPLES["batch"][1]["lines"].append({"sku": "chair", "quantity": 1})
MODES = {
    "one-worker": (["--no-worker"], [], 1),
    "four-workers": (["--no-worker"], ["--concurrency", "4"], 4),
    "embedded-and-two-workers": ([], ["--concurrency", "2"], 2),
}


def in_memory(workflow: str, given: object) -> testing.Result:
    registry = load_activities([ROOT / "activities"], registry=Registry(), entry_points=False)
    functions = {name: registry.get(name) for name in registry.names()}
    return testing.run(ROOT / "workflows" / workflow, given, activities=functions)


def start(case: str, run_options: list[str], redis_url: str) -> subprocess.Popen[str]:
    workflow, given = EXAMPLES[case]
    args = ["run", f"workflows/{workflow}", "--json", "--name", case, *run_options]
    if given is not None:
        args += ["--input", json.dumps(given)]
    return subprocess.Popen(
        sfn_command(args),
        cwd=ROOT,
        env=process_env(redis_url, {"SFN_TIMER_POLL": "0.05"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_example_runs_durably_as_in_memory(redis_url, sfn_worker, mode: str) -> None:
    run_options, worker_options, processes = MODES[mode]
    sfn_worker(args=worker_options, workers=processes, cwd=ROOT)
    running = {case: start(case, run_options, redis_url) for case in EXAMPLES}
    engine = Engine(redis_url)
    for case, process in running.items():
        out, err = process.communicate(timeout=90)
        workflow, given = EXAMPLES[case]
        expected = in_memory(workflow, given if given is not None else {})
        result = json.loads(out)
        assert "Traceback" not in err
        assert process.returncode == (0 if expected.status == "SUCCEEDED" else 1), err
        got = (result["status"], result["output"], result["error"], result["cause"])
        assert got == (expected.status, expected.output, expected.error, expected.cause), case
        history = engine.history(result["executionId"])
        assert Counter(e["type"] for e in history) == Counter(
            e["type"] for e in expected.history
        ), case
