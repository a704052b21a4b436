"""sfn's records in AWS's response shapes: dates as epoch seconds, fields AWS names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

Json = Any
_DATA_FIELDS = ("input", "output")


def epoch(stamp: str) -> float:
    """An ISO 8601 time ("2026-01-02T03:04:05.678Z") as epoch seconds, as AWS's JSON sends."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def execution(described: dict[str, Json]) -> dict[str, Json]:
    """DescribeExecution's response from `Engine.describe`."""
    shaped = {
        key: described[key]
        for key in ("executionArn", "stateMachineArn", "name", "status", "error", "cause")
        if described.get(key) is not None
    }
    for key in ("startDate", "stopDate", "redriveDate"):
        if described.get(key):
            shaped[key] = epoch(described[key])
    shaped["input"] = described.get("input", "null")
    shaped["inputDetails"] = {"included": True}
    if described["status"] == "SUCCEEDED":
        shaped["output"] = described.get("output", "null")
        shaped["outputDetails"] = {"included": True}
    shaped["redriveCount"] = described.get("redriveCount", 0)
    shaped["redriveStatus"] = described["redriveStatus"]
    if described.get("redriveStatusReason"):
        shaped["redriveStatusReason"] = described["redriveStatusReason"]
    return shaped


def list_item(meta: dict[str, str]) -> dict[str, Json]:
    """An ExecutionListItem from an execution's stored `meta`."""
    item: dict[str, Json] = {
        key: meta[key] for key in ("executionArn", "stateMachineArn", "name", "status")
    }
    item["startDate"] = epoch(meta["startDate"])
    if meta.get("stopDate"):
        item["stopDate"] = epoch(meta["stopDate"])
    redrives = int(meta.get("redriveCount", "0"))
    if redrives:
        item["redriveCount"] = redrives
    if meta.get("redriveDate"):
        item["redriveDate"] = epoch(meta["redriveDate"])
    return item


def history_event(event: dict[str, Json], include_data: bool) -> dict[str, Json]:
    """A HistoryEvent: epoch timestamp; without inputs and outputs unless `include_data`."""
    shaped = {**event, "timestamp": epoch(event["timestamp"])}
    if include_data:
        return shaped
    for key, details in event.items():
        if key.endswith("EventDetails") and isinstance(details, dict):
            shaped[key] = {k: v for k, v in details.items() if k not in _DATA_FIELDS}
    return shaped
