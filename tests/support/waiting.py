"""Waiting for an observable event with a deadline, instead of sleeping and hoping."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], *, timeout: float = 20.0, what: str = "condition") -> T:
    """Poll `condition` until it returns something truthy (returned), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.01)


def wait_for_file(path: Path, *, timeout: float = 20.0) -> Path:
    """Wait until `path` exists (an activity writes such a marker to say "I am running")."""
    wait_until(path.exists, timeout=timeout, what=f"{path} to exist")
    return path
