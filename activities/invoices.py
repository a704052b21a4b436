"""Activities standing in for the Lambda functions of workflows/invoice.asl.json and
receipt.asl.json: the functions' names are the activities' names (`price_invoice`,
`send_receipt`), whatever the ARN, version or alias the definition gives."""

from __future__ import annotations

from typing import Any

from engine.activities import activity


@activity("price_invoice")
def price_invoice(event: dict[str, Any]) -> dict[str, Any]:
    """What the pricing Lambda returns: each line's amount and the total, in cents."""
    lines = [
        {"sku": line["sku"], "amount": line["quantity"] * line["cents"]} for line in event["lines"]
    ]
    return {"lines": lines, "total": sum(line["amount"] for line in lines)}


@activity("send_receipt")
def send_receipt(event: dict[str, Any]) -> dict[str, Any]:
    """What the receipt Lambda returns: the receipt's id (deterministic, for tests)."""
    return {"receipt_id": f"R-{event['customer']}-{event['total']}"}


@activity("audit_usage")
def audit_usage(event: dict[str, Any]) -> dict[str, Any]:
    """What the usage-audit Lambda returns for one batch of the Distributed Map's CSV rows
    (`Items`, every value a string as the CSV reader gives it): the rows checked and the
    skus whose quantity is over the invoice's limit (`BatchInput`)."""
    limit = event["BatchInput"]["limit"]
    flagged = [row["sku"] for row in event["Items"] if int(row["quantity"]) > limit]
    return {"checked": len(event["Items"]), "flagged": flagged}
