"""W5's activities: the three order steps return constants (bench/workloads/README.md).

Loaded by the benchmark's engine process (import) and by `sfn worker --activities` (path).
"""

from __future__ import annotations

from typing import Any

from engine.activities import activity


@activity("charge_customer")
def charge_customer(order: Any) -> dict[str, str]:
    return {"charge_id": "ch_0001", "status": "charged"}


@activity("reserve_inventory")
def reserve_inventory(order: Any) -> dict[str, str]:
    return {"reservation_id": "res_0001", "status": "reserved"}


@activity("send_confirmation")
def send_confirmation(order: Any) -> dict[str, str]:
    return {"message_id": "msg_0001", "status": "sent"}
