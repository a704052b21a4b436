"""The interpreter's only window on the world: the clock, randomness, ids and the execution's
input (which child runs do not carry) come in here.

The core stays deterministic: the same snapshot, trigger and env always give the same step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

Json = Any

# AWS's payload limit for inputs, outputs and task results (256 KiB).
PAYLOAD_LIMIT_BYTES = 256 * 1024
# AWS's quota of history events per execution: a run that reaches it fails.
HISTORY_LIMIT_EVENTS = 25_000
# Transitions one `advance` call may make before it yields (a Choice loop must not spin).
TRANSITION_BUDGET = 1000


class Env(Protocol):
    """Clock, randomness and ids. `now` is UTC; `token` is 128 random bits as text.

    `execution_input` gives `$$.Execution.Input` to child runs (Parallel branches, Map
    iterations): their snapshots leave it out, so a Map over n items does not store n copies.
    """

    def now(self) -> datetime: ...

    def random(self) -> float: ...

    def uuid(self) -> str: ...

    def token(self) -> str: ...

    def execution_input(self) -> Json: ...


class ExecutionEnv:
    """An env for one execution: another env's clock, randomness and ids, plus its input.

    `load` is called only when a child run builds its `$$`; the shell may cache what it gives.
    """

    def __init__(self, env: Env, load: Callable[[], Json]):
        self._env = env
        self._load = load

    def now(self) -> datetime:
        return self._env.now()

    def random(self) -> float:
        return self._env.random()

    def uuid(self) -> str:
        return self._env.uuid()

    def token(self) -> str:
        return self._env.token()

    def execution_input(self) -> Json:
        return self._load()
