"""Activities of workflows/shipping.yaml: a pretend carrier and insurer.

Deterministic, so tests can predict them: prices depend only on the product, the quantity and
the destination.
"""

from __future__ import annotations

from typing import Any

from engine.activities import ActivityContext, activity

WEIGHT_KG = {"book": 1, "lamp": 3, "mug": 0.5}
RATE_PER_KG = {"domestic": 4, "international": 11}
NO_INSURANCE = {"remote"}


class CarrierBusy(Exception):
    """The carrier's quoting service asks to be called again later."""


class UnknownProduct(Exception):
    """The carrier cannot quote a product it has no weight for."""


class InsuranceUnavailable(Exception):
    """The insurer does not cover shipments to this destination."""


@activity("quote_parcel")
def quote_parcel(task: dict[str, Any], context: ActivityContext | None = None) -> dict[str, Any]:
    """The price of one parcel: weight times the destination's rate per kilogram. The first
    international quote of each parcel finds the carrier busy, so the state's Retry shows."""
    if task["destination"] == "international" and context is not None and context.attempt == 1:
        raise CarrierBusy("try again in a second")
    if task["sku"] not in WEIGHT_KG:
        raise UnknownProduct(f"no weight known for {task['sku']!r}")
    rate = RATE_PER_KG.get(task["destination"], RATE_PER_KG["international"])
    return {"sku": task["sku"], "price": round(WEIGHT_KG[task["sku"]] * task["quantity"] * rate, 2)}


@activity("insure_shipment")
def insure_shipment(task: dict[str, Any]) -> dict[str, Any]:
    """A policy for the shipment's value; some destinations are not covered."""
    if task["destination"] in NO_INSURANCE:
        raise InsuranceUnavailable(f"no cover for {task['destination']} destinations")
    return {"policy_id": f"pol_{task['order_id']}", "premium": round(task["value"] * 0.01, 2)}


@activity("book_pickup")
def book_pickup(task: dict[str, Any]) -> dict[str, Any]:
    """Book the carrier's pickup for the order's parcels."""
    return {"pickup_id": f"pu_{task['order_id']}_{task['parcels']}"}
