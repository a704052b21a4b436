"""What the integrations take from the process's settings. The runtime's `RuntimeConfig` (the
one reader of the environment) has these fields and is passed down: integrations read none."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol


class IntegrationSettings(Protocol):
    """Where nested `startExecution` finds state machine files (`workflows`), where HTTP Tasks'
    connections are (`connections`), how long an HTTP Task waits for a response, and the
    variables a connection may name for its secrets (`secrets`: the environment as read once)."""

    @property
    def workflows(self) -> Path: ...

    @property
    def connections(self) -> Path: ...

    @property
    def http_timeout_seconds(self) -> float: ...

    @property
    def secrets(self) -> Mapping[str, str]: ...
