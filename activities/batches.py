"""Activities of workflows/batch.yaml: price invoice lines from a fixed price list, total them."""

from __future__ import annotations

from typing import Any

from engine.activities import activity

PRICES = {"book": 12, "lamp": 40, "mug": 8}


class UnknownProduct(Exception):
    """The price list has no such product."""


@activity("price_line")
def price_line(task: dict[str, Any]) -> dict[str, Any]:
    """The price of one invoice line: unit price times quantity."""
    if task["sku"] not in PRICES:
        raise UnknownProduct(f"no price for {task['sku']!r}")
    amount = PRICES[task["sku"]] * task["quantity"]
    return {"line": task["line"], "sku": task["sku"], "skipped": False, "amount": amount}


@activity("total_invoice")
def total_invoice(task: dict[str, Any]) -> dict[str, Any]:
    """Sum the priced lines and count the skipped ones."""
    lines = task["lines"]
    return {
        "invoice_id": task["invoice_id"],
        "total": sum(line["amount"] for line in lines),
        "skipped": [line["sku"] for line in lines if line["skipped"]],
    }
