"""Activities of workflows/fanout.yaml: pretend e-mail, SMS and loyalty-points services."""

from __future__ import annotations

from typing import Any

from engine.activities import activity


@activity("send_email")
def send_email(task: dict[str, Any]) -> dict[str, Any]:
    """Send an e-mail; returns what a mail API would."""
    return {"sent_to": task["to"], "subject": task["subject"]}


@activity("send_sms")
def send_sms(task: dict[str, Any]) -> dict[str, Any]:
    """Send a text message."""
    return {"sent_to": task["to"], "characters": len(task["text"])}


@activity("credit_points")
def credit_points(task: dict[str, Any]) -> dict[str, Any]:
    """Credit one loyalty point per whole currency unit spent."""
    return {"customer_id": task["customer_id"], "points": int(task["points"])}
