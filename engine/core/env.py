"""The interpreter's only window on the world: the clock, randomness and ids come in here.

The core stays deterministic: the same snapshot, trigger and env always give the same step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

# AWS's payload limit for inputs, outputs and task results (256 KiB).
PAYLOAD_LIMIT_BYTES = 256 * 1024
# AWS's quota of history events per execution: a run that reaches it fails.
HISTORY_LIMIT_EVENTS = 25_000
# Transitions one `advance` call may make before it yields (a Choice loop must not spin).
TRANSITION_BUDGET = 1000


class Env(Protocol):
    """Clock, randomness and ids. `now` is UTC; `token` is 128 random bits as text."""

    def now(self) -> datetime: ...

    def random(self) -> float: ...

    def uuid(self) -> str: ...

    def token(self) -> str: ...
