"""Activities of workflows/order.yaml: a pretend payment provider, warehouse and mailer.

They are deterministic so that tests can predict them: the outcome depends only on the input.
"""

from __future__ import annotations

from typing import Any

from engine.activities import ActivityContext, activity

CARD_LIMIT = 1000
STOCK = {"book": 10, "lamp": 2, "mug": 25}


class TransientError(Exception):
    """A failure worth retrying: the call may well succeed a moment later."""


class PaymentDeclined(Exception):
    """The payment provider refused the charge."""


class OutOfStock(Exception):
    """The warehouse has fewer items than the order asks for."""


@activity("charge_customer")
def charge_customer(task: dict[str, Any]) -> dict[str, Any]:
    """Charge the order's amount; orders above the card limit are declined."""
    if task["amount"] > CARD_LIMIT:
        raise PaymentDeclined(f"{task['amount']} is above the card limit of {CARD_LIMIT}")
    return {"charge_id": f"ch_{task['order_id']}", "amount": task["amount"]}


@activity("reserve_inventory")
def reserve_inventory(
    task: dict[str, Any], context: ActivityContext | None = None
) -> dict[str, Any]:
    """Reserve every item. The first attempt for each order times out, so the state's Retry
    shows its worth; the attempt number comes from the engine, so this holds across processes
    and keeps no state here."""
    if context is not None and context.attempt == 1:
        raise TransientError(f"warehouse API timed out reserving order {task['order_id']}")
    for item in task["items"]:
        if item["quantity"] > STOCK.get(item["sku"], 0):
            raise OutOfStock(f"only {STOCK.get(item['sku'], 0)} of {item['sku']!r} left")
    return {"reservation_id": f"res_{task['order_id']}", "items": len(task["items"])}


@activity("send_confirmation")
def send_confirmation(task: dict[str, Any]) -> dict[str, Any]:
    """Send the order confirmation e-mail."""
    return {"message_id": f"msg_{task['order_id']}", "to": task["customer"]["email"]}


@activity("refund_customer")
def refund_customer(task: dict[str, Any]) -> dict[str, Any]:
    """Refund a charge in full: the compensation of charge_customer."""
    return {"refund_id": f"re_{task['charge_id']}", "amount": task["amount"]}
