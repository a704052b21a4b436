"""Activities of workflows/approval.yaml: a pretend review queue with a human on the other end.

Deterministic: a reviewer looks at a ticket on the second check and approves amounts up to
REVIEW_LIMIT. The number of checks travels in the workflow's data, not in this process.
"""

from __future__ import annotations

from typing import Any

from engine.activities import activity

REVIEW_LIMIT = 5000
REVIEWER = "dana@example.com"


@activity("request_review")
def request_review(task: dict[str, Any]) -> dict[str, Any]:
    """Open a review ticket for an expense."""
    return {"ticket": f"T-{task['expense_id']}", "status": "pending", "checks": 0}


@activity("check_review")
def check_review(task: dict[str, Any]) -> dict[str, Any]:
    """The ticket's state: pending until the reviewer has had one poll interval to look."""
    checks = task["checks"] + 1
    review = {"ticket": task["ticket"], "checks": checks, "reviewer": REVIEWER}
    if checks < 2:
        return {**review, "status": "pending"}
    return {**review, "status": "approved" if task["amount"] <= REVIEW_LIMIT else "rejected"}
