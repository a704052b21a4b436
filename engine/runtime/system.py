"""The real world the pure interpreter is given: the system clock, randomness, ids and tokens.

Also caches compiled machines by definition hash (definitions are immutable, so a compiled
machine never goes stale).
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any, ClassVar

from engine.definition.model import Machine, compile_machine


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

    def root(self, digest: str) -> Machine:
        machine = self._compiled.get(digest)
        if machine is None:
            machine = compile_machine(self._load(digest))
            self._compiled[digest] = machine
            if len(self._compiled) > self.LIMIT:
                self._compiled.popitem(last=False)
        return machine

    def find(self, digest: str, path: tuple[str | int, ...]) -> Machine:
        root = self.root(digest)
        return root.find(path) if path else root
