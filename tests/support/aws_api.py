"""Definitions and a role the API tests share."""

from __future__ import annotations

import json

PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
ROLE = "arn:aws:iam::012345678901:role/DummyRole"
