"""The example workflows validate, draw, and run with their activities in the in-memory driver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine import testing
from engine.activities import Registry
from engine.activity_loading import load_activities
from engine.definition import load_definition, validate
from engine.graph import to_dot

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / "workflows").glob("*.yaml"))
SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/state-machine.schema.json"

CUSTOMER = {"id": "c1", "email": "ann@example.com"}
ORDER = {
    "order_id": "A1",
    "customer": CUSTOMER,
    "amount": 30,
    "items": [{"sku": "book", "quantity": 2}],
}


@pytest.fixture(scope="module")
def activities() -> dict[str, Any]:
    registry = load_activities([ROOT / "activities"], registry=Registry(), entry_points=False)
    return {name: registry.get(name) for name in registry.names()}


def run(name: str, task_input: Any, activities: dict[str, Any]) -> testing.Result:
    return testing.run(ROOT / "workflows" / name, task_input, activities=activities)


def task_events(result: testing.Result, kind: str) -> list[tuple[str, str | None]]:
    """(resource, error) of every Task event of one type, in order."""
    key = kind[0].lower() + kind[1:] + "EventDetails"
    return [
        (event[key]["resource"], event[key].get("error"))
        for event in result.history
        if event["type"] == kind
    ]


def test_there_are_examples_of_every_feature() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"order.yaml", "approval.yaml", "fanout.yaml", "batch.yaml", "shipping.yaml"} <= names
    types = {
        state["Type"] for path in WORKFLOWS for state in _all_states(load_definition(path).data)
    }
    assert {"Task", "Choice", "Wait", "Parallel", "Map", "Pass", "Fail"} <= types


def _all_states(machine: dict) -> list[dict]:
    found = []
    for state in machine["States"].values():
        found.append(state)
        children = [*state.get("Branches", []), state.get("ItemProcessor")]
        for child in filter(None, children):
            found += _all_states(child)
    return found


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_example_validates_and_draws(path: Path) -> None:
    assert path.read_text().splitlines()[0] == SCHEMA_LINE
    assert (path.parent / "../schemas/state-machine.schema.json").resolve().is_file()
    document = load_definition(path)
    assert [str(problem) for problem in validate(document)] == []
    dot = to_dot(document.data)
    for name in document.data["States"]:
        assert f'"{name}" [' in dot


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_task_has_an_activity(path: Path, activities: dict[str, Any]) -> None:
    resources = {
        state["Resource"]
        for state in _all_states(load_definition(path).data)
        if state["Type"] == "Task"
    }
    assert resources <= set(activities)


def test_order_succeeds_after_a_transient_failure(activities: dict[str, Any]) -> None:
    result = run("order.yaml", ORDER, activities)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["charge"] == {"charge_id": "ch_A1", "amount": 30}
    assert result.output["reservation"] == {"reservation_id": "res_A1", "items": 1}
    assert result.output["confirmation"] == {"message_id": "msg_A1", "to": "ann@example.com"}
    assert task_events(result, "TaskFailed") == [("reserve_inventory", "TransientError")]
    assert ("refund_customer", None) not in task_events(result, "TaskSucceeded")


def test_order_without_input_runs_the_sample_order(activities: dict[str, Any]) -> None:
    result = run("order.yaml", {}, activities)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["order_id"] == "sample-1"
    assert result.output["confirmation"] == {"message_id": "msg_sample-1", "to": "ada@example.com"}


def test_order_declined_fails_without_refund(activities: dict[str, Any]) -> None:
    result = run("order.yaml", {**ORDER, "amount": 5000}, activities)
    assert (result.status, result.error) == ("FAILED", "PaymentDeclined")
    assert result.cause == "The customer's payment was declined; nothing was charged."
    assert [resource for resource, _ in task_events(result, "TaskScheduled")] == ["charge_customer"]


def test_order_out_of_stock_refunds_then_fails(activities: dict[str, Any]) -> None:
    result = run("order.yaml", {**ORDER, "items": [{"sku": "lamp", "quantity": 5}]}, activities)
    assert (result.status, result.error) == ("FAILED", "OrderFailed")
    assert "the charge was refunded" in result.cause
    assert task_events(result, "TaskFailed") == [
        ("reserve_inventory", "TransientError"),
        ("reserve_inventory", "OutOfStock"),
    ]
    assert task_events(result, "TaskSucceeded")[-1] == ("refund_customer", None)


@pytest.mark.parametrize(
    ("expense", "status", "decided_by", "waits"),
    [
        ({"amount": 90, "category": "office"}, "SUCCEEDED", "policy", 0),
        ({"amount": 300, "category": "travel"}, "SUCCEEDED", "dana@example.com", 2),
        ({"amount": 900, "category": "office"}, "SUCCEEDED", "dana@example.com", 2),
        ({"amount": 9000, "category": "office"}, "FAILED", None, 2),
    ],
)
def test_approval(
    expense: dict, status: str, decided_by: str | None, waits: int, activities: dict[str, Any]
) -> None:
    result = run("approval.yaml", {"expense_id": "E1", **expense}, activities)
    assert result.status == status
    if decided_by is None:
        assert (result.error, result.cause) == (
            "ExpenseRejected",
            "The reviewer rejected the expense.",
        )
    else:
        assert result.output["decision"] == {"status": "approved", "by": decided_by}
    assert [e["type"] for e in result.history].count("WaitStateEntered") == waits


@pytest.mark.parametrize("phone", ["+15550100", None])
def test_fanout(phone: str | None, activities: dict[str, Any]) -> None:
    customer = {**CUSTOMER, "phone": phone} if phone else CUSTOMER
    result = run("fanout.yaml", {"customer": customer, "total": 42}, activities)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    notifications = result.output["notifications"]
    assert notifications["email"] == {
        "sent_to": "ann@example.com",
        "subject": "Your order has shipped",
    }
    assert notifications["loyalty"] == {"customer_id": "c1", "points": 42}
    expected_sms = {"sent_to": phone, "characters": 23} if phone else {"skipped": "no phone number"}
    assert notifications["sms"] == expected_sms


def test_batch_prices_lines_and_skips_unknown_products(activities: dict[str, Any]) -> None:
    lines = [
        {"sku": "book", "quantity": 2},
        {"sku": "chair", "quantity": 1},
        {"sku": "mug", "quantity": 3},
    ]
    result = run("batch.yaml", {"invoice_id": "I1", "lines": lines}, activities)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output == {"invoice_id": "I1", "total": 2 * 12 + 3 * 8, "skipped": ["chair"]}
    assert [e["type"] for e in result.history].count("MapIterationSucceeded") == 3


SHIPMENT = {
    "order_id": "S1",
    "destination": "international",
    "items": [{"sku": "lamp", "quantity": 2}, {"sku": "mug", "quantity": 4}],
}


def test_shipping_is_written_in_jsonata() -> None:
    data = load_definition(ROOT / "workflows" / "shipping.yaml").data
    assert data["QueryLanguage"] == "JSONata"
    fields = {key for state in _all_states(data) for key in state}
    assert {"Arguments", "Output", "Assign", "Items", "ItemSelector"} <= fields
    assert not fields & {"InputPath", "Parameters", "ResultPath", "OutputPath", "ItemsPath"}


def test_shipping_draws_jsonata_conditions_as_plain_expressions() -> None:
    dot = to_dot(load_definition(ROOT / "workflows" / "shipping.yaml").data)
    assert '"HasItems" -> "QuoteParcels" [label="$count($states.input.items) > 0"]' in dot
    assert "Wait: $pickupDelay s" in dot
    assert "{%" not in dot


def test_shipping_quotes_retries_insures_waits_and_books(activities: dict[str, Any]) -> None:
    result = run("shipping.yaml", SHIPMENT, activities)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output == {
        "order_id": "S1",
        "pickup": "pu_S1_2",
        "parcels": ["lamp", "mug"],
        "shipping_cost": 3 * 2 * 11 + 0.5 * 4 * 11,
        "insurance": "pol_S1",
    }
    assert task_events(result, "TaskFailed") == [("quote_parcel", "CarrierBusy")] * 2
    types = [event["type"] for event in result.history]
    assert types.count("MapIterationSucceeded") == 2 and "WaitStateExited" in types


def test_shipping_catches_an_insurer_refusal(activities: dict[str, Any]) -> None:
    remote = {**SHIPMENT, "destination": "remote", "items": [{"sku": "lamp", "quantity": 6}]}
    result = run("shipping.yaml", remote, activities)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["insurance"] == "unavailable: no cover for remote destinations"
    assert task_events(result, "TaskFailed") == [("insure_shipment", "InsuranceUnavailable")]


def test_shipping_without_input_ships_the_sample_order(activities: dict[str, Any]) -> None:
    result = run("shipping.yaml", {}, activities)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["parcels"] == ["book"] and result.output["insurance"] == "not needed"


def test_shipping_an_empty_order_fails_with_its_id(activities: dict[str, Any]) -> None:
    result = run("shipping.yaml", {**SHIPMENT, "items": []}, activities)
    assert (result.status, result.error) == ("FAILED", "EmptyOrder")
    assert result.cause == "Order S1 has no items to ship."


def test_examples_run_from_the_command_line(activities: dict[str, Any]) -> None:
    from click.testing import CliRunner

    from engine.cli import main

    result = CliRunner().invoke(
        main,
        [
            "run",
            str(ROOT / "workflows" / "order.yaml"),
            "--in-memory",
            "--json",
            "--input",
            json.dumps(ORDER),
        ],
    )
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert (
        last["status"] == "SUCCEEDED" and last["output"]["confirmation"]["message_id"] == "msg_A1"
    )


def test_readme_picture_is_the_order_workflow() -> None:
    svg = (ROOT / "docs" / "order.svg").read_text()
    assert "![The order workflow](docs/order.svg)" in (ROOT / "README.md").read_text()
    for name in load_definition(ROOT / "workflows" / "order.yaml").data["States"]:
        assert f"<title>{name}</title>" in svg, (
            f"{name}: re-render with sfn graph -o docs/order.svg"
        )
