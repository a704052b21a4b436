"""engine.graph_overlay: what an execution did per state, read from its history, and drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import testing
from engine.activities import Registry
from engine.activity_loading import load_activities
from engine.graph import to_dot
from engine.graph_overlay import StateRun, run_note, state_runs

ROOT = Path(__file__).resolve().parents[1]
ORDER = {
    "order_id": "A1",
    "customer": {"id": "c1", "email": "ann@example.com"},
    "amount": 30,
    "items": [{"sku": "book", "quantity": 1}],
}


def entered(name: str, kind: str = "Task") -> dict[str, Any]:
    return {"type": f"{kind}StateEntered", "stateEnteredEventDetails": {"name": name}}


def exited(name: str, kind: str = "Task") -> dict[str, Any]:
    return {"type": f"{kind}StateExited", "stateExitedEventDetails": {"name": name}}


@pytest.fixture(scope="module")
def activities() -> dict[str, Any]:
    registry = load_activities([ROOT / "activities"], registry=Registry(), entry_points=False)
    return {name: registry.get(name) for name in registry.names()}


def test_a_retried_state_and_one_never_entered(activities: dict[str, Any]) -> None:
    result = testing.run(ROOT / "workflows" / "order.yaml", ORDER, activities=activities)
    assert state_runs(result.history, result.status) == {
        "HasOrder": StateRun("succeeded", 1, 0),
        "ChargeCustomer": StateRun("succeeded", 1, 0),
        "ReserveInventory": StateRun("retried", 1, 1),
        "SendConfirmation": StateRun("succeeded", 1, 0),
    }


def test_a_caught_error_and_a_fail_state(activities: dict[str, Any]) -> None:
    order = {**ORDER, "items": [{"sku": "lamp", "quantity": 9}]}
    result = testing.run(ROOT / "workflows" / "order.yaml", order, activities=activities)
    runs = state_runs(result.history, result.status)
    assert runs["ReserveInventory"] == StateRun("caught", 1, 2)
    assert runs["RefundCustomer"] == StateRun("succeeded", 1, 0)
    assert runs["OrderFailed"] == StateRun("failed", 1, 0)


def test_loops_count_entries(activities: dict[str, Any]) -> None:
    expense = {"expense_id": "E1", "amount": 900, "category": "office"}
    result = testing.run(ROOT / "workflows" / "approval.yaml", expense, activities=activities)
    runs = state_runs(result.history, result.status)
    assert runs["WaitForReviewer"] == StateRun("succeeded", 2, 0)
    assert "AutoApproved" not in runs and "Rejected" not in runs


def test_an_open_state_is_running_or_failed_by_the_execution_status() -> None:
    history = [
        {"type": "ExecutionStarted"},
        entered("Charge"),
        {"type": "TaskScheduled", "taskScheduledEventDetails": {"resource": "x"}},
    ]
    assert state_runs(history, "RUNNING") == {"Charge": StateRun("running", 1, 0)}
    failed = [*history, {"type": "TaskTimedOut"}, {"type": "ExecutionFailed"}]
    assert state_runs(failed, "FAILED") == {"Charge": StateRun("failed", 1, 1)}


def test_errors_are_charged_to_the_innermost_open_state() -> None:
    history = [
        entered("Fan", "Parallel"),
        entered("Inner"),
        {"type": "TaskFailed"},
        {"type": "TaskSucceeded"},
        exited("Inner"),
        {"type": "ParallelStateSucceeded"},
        exited("Fan", "Parallel"),
        {"type": "ExecutionSucceeded"},
    ]
    assert state_runs(history, "SUCCEEDED") == {
        "Fan": StateRun("succeeded", 1, 0),
        "Inner": StateRun("retried", 1, 1),
    }


def test_malformed_events_are_ignored() -> None:
    history = [{}, {"type": 3}, {"stateEnteredEventDetails": "x"}, entered("A"), exited("A")]
    assert state_runs(history, "SUCCEEDED") == {"A": StateRun("succeeded", 1, 0)}


def test_run_note() -> None:
    assert run_note(StateRun("succeeded", 1, 0)) == "succeeded"
    assert run_note(StateRun("caught", 3, 2)) == "caught, ran 3 times, 2 errors"
    assert run_note(StateRun("retried", 1, 1)) == "retried, 1 error"


def test_drawing_colours_states_and_greys_out_the_rest() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Fail"},
            "C": {"Type": "Succeed"},
        },
    }
    runs = {"A": StateRun("succeeded", 2, 0), "B": StateRun("failed", 1, 0)}
    dot = to_dot(definition, runs=runs, title="execution e1: FAILED")
    node = {line.split(" [")[0].strip(): line for line in dot.splitlines() if " [" in line}
    assert (
        'fillcolor="#b7e1b0"' in node['"A"']
        and 'label="A\\nPass\\nsucceeded, ran 2 times"' in node['"A"']
    )
    assert 'fillcolor="#f4a6a6"' in node['"B"'] and "failed" in node['"B"']
    assert 'fillcolor="white"' in node['"C"'] and 'fontcolor="#888888"' in node['"C"']
    assert 'label="execution e1: FAILED"' in dot
    assert '"C" [shape="oval", style="filled", fillcolor="#d5f0d5"' in to_dot(definition)
