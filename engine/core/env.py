"""The interpreter's only window on the world: the clock, randomness, ids and the execution's
input (which child runs do not carry) come in here.

The core stays deterministic: the same snapshot, trigger and env always give the same step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Protocol

from engine.core.item_requests import (
    ITEM_READER_FAILED,
    RESULT_WRITER_FAILED,
    MapStorage,
    ReadItems,
    WriteResults,
)
from engine.errors import AslError

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
    `storage` gives a Distributed Map's ItemReader and ResultWriter the shell's buckets.
    """

    def now(self) -> datetime: ...

    def random(self) -> float: ...

    def uuid(self) -> str: ...

    def token(self) -> str: ...

    def execution_input(self) -> Json: ...

    def storage(self) -> MapStorage: ...


class ExecutionEnv:
    """An env for one execution: another env's clock, randomness and ids, plus its input and
    the buckets (`storage`, None: a Map with an ItemReader or ResultWriter fails, saying so).

    `load` is called only when a child run builds its `$$`; the shell may cache what it gives.
    """

    def __init__(
        self, env: Env, load: Callable[[], Json], storage: MapStorage | None = None
    ) -> None:
        self._env = env
        self._load = load
        self._storage = storage

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

    def storage(self) -> MapStorage:
        if self._storage is None:
            return _NoStorage()
        return self._storage


class _NoStorage:
    """The buckets of a shell that has none: every use fails, never silently."""

    def read_items(self, request: ReadItems) -> Iterator[Json]:
        raise AslError(ITEM_READER_FAILED, "sfn was given no bucket storage for this run")

    def write_results(self, request: WriteResults) -> str:
        raise AslError(RESULT_WRITER_FAILED, "sfn was given no bucket storage for this run")
