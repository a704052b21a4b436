"""The real world the pure interpreter is given: the system clock, randomness, ids and tokens.

Also caches compiled machines by definition hash (definitions are immutable, so a compiled
machine never goes stale) and executions' parsed inputs (which child runs read as
`$$.Execution.Input` instead of each storing a copy).
"""

from __future__ import annotations

import random
import secrets
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from engine.definition.compiler import compile_machine
from engine.definition.model import Machine


class SystemEnv:
    """`Env` backed by the system: UTC clock, `random`, uuid4 and 128-bit secret tokens."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def random(self) -> float:
        return random.random()

    def uuid(self) -> str:
        return str(uuid.uuid4())

    def token(self) -> str:
        return secrets.token_hex(16)


class Machines:
    """Compiled machines by definition hash, compiled once per process.

    The cache is shared by every Runtime of the process: a hash names one immutable definition,
    so a compiled machine can never be stale, and a worker's jobs skip the compile."""

    _compiled: ClassVar[OrderedDict[str, Machine]] = OrderedDict()
    LIMIT = 256

    def __init__(self, load: Any):
        self._load = load

    def root(self, digest: str, data: Any = None) -> Machine:
        """The machine of `digest`; `data` is its definition when the caller has it at hand
        (a start, whose commit is what stores the definition)."""
        machine = self._compiled.get(digest)
        if machine is None:
            machine = compile_machine(self._load(digest) if data is None else data)
            self._compiled[digest] = machine
            if len(self._compiled) > self.LIMIT:
                self._compiled.popitem(last=False)
        return machine

    def find(self, digest: str, path: tuple[str | int, ...]) -> Machine:
        root = self.root(digest)
        return root.find(path) if path else root


class ExecutionInputs:
    """Executions' inputs, parsed once per process and Redis client, for the latest executions.

    An execution's input never changes (a redrive keeps it); the start time in the key tells a
    name reused after its execution was deleted. Jobs share their worker's client, so a Map's
    iterations parse the input once per worker, not once per step."""

    _by_client: ClassVar[WeakKeyDictionary[Any, OrderedDict[tuple[str, str], Any]]] = (
        WeakKeyDictionary()
    )
    _lock: ClassVar[threading.Lock] = threading.Lock()
    LIMIT = 16

    def __init__(self, client: Any, load: Callable[[str], Any]):
        self._client = client
        self._load = load

    def get(self, execution: str, started: str) -> Any:
        key = (execution, started)
        with self._lock:
            parsed = self._by_client.setdefault(self._client, OrderedDict())
            if key in parsed:
                parsed.move_to_end(key)
                return parsed[key]
        value = self._load(execution)
        with self._lock:
            parsed[key] = value
            if len(parsed) > self.LIMIT:
                parsed.popitem(last=False)
        return value
