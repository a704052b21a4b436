"""Every example workflow runs durably with `sfn run` and ends as the in-memory driver says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.workers import run_sfn

from engine import testing
from engine.activities import Registry
from engine.activity_loading import load_activities

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = {"id": "c1", "email": "ann@example.com", "phone": "+15550100"}
ORDER = {
    "order_id": "A1",
    "customer": CUSTOMER,
    "amount": 30,
    "items": [{"sku": "book", "quantity": 2}],
}
CASES = {
    "order": ("order.yaml", ORDER),
    "order-refunded": ("order.yaml", {**ORDER, "items": [{"sku": "lamp", "quantity": 5}]}),
    "approval": ("approval.yaml", {"expense_id": "E1", "amount": 300, "category": "travel"}),
    "fanout": ("fanout.yaml", {"customer": CUSTOMER, "total": 42}),
    "batch": (
        "batch.yaml",
        {
            "invoice_id": "I1",
            "lines": [{"sku": "book", "quantity": 2}, {"sku": "chair", "quantity": 1}],
        },
    ),
}


def in_memory(workflow: str, given: dict) -> dict:
    registry = load_activities([ROOT / "activities"], registry=Registry(), entry_points=False)
    functions = {name: registry.get(name) for name in registry.names()}
    result = testing.run(ROOT / "workflows" / workflow, given, activities=functions)
    return {"status": result.status, "output": result.output, "error": result.error}


@pytest.mark.parametrize("case", sorted(CASES))
def test_example_runs_durably(redis_url: str, case: str) -> None:
    workflow, given = CASES[case]
    done = run_sfn(
        ["run", f"workflows/{workflow}", "--input", json.dumps(given), "--json"],
        redis_url=redis_url,
        cwd=ROOT,
    )
    result = json.loads(done.stdout)
    expected = in_memory(workflow, given)
    assert {key: result[key] for key in expected} == expected
    assert done.returncode == (0 if expected["status"] == "SUCCEEDED" else 1)
