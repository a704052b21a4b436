"""The analysed histories of the executions being viewed, kept per server process.

A page polls while an execution runs and asks for its history, states and graph at once; a
25,000-event history takes a second to read and walk, so each version (its length) is read and
analysed once, by one thread, and a grown history reads only its new events.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from engine.runtime.engine import Engine
from engine.serve.history_view import HistoryView, analyse

Json = Any
KEEP = 8  # executions kept analysed


@dataclass
class Analysed:
    events: list[Json]
    view: HistoryView


class HistoryCache:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._entries: OrderedDict[str, Analysed] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, execution: str) -> Analysed:
        """The execution's whole history and its analysis, as stored now."""
        length = self.engine.store.history_length(execution)
        with self._lock(execution):
            cached = self._entries.get(execution)
            if cached is None or len(cached.events) != length:
                known = cached.events if cached and len(cached.events) < length else []
                events = known + self.engine.store.history(execution, len(known), length)
                cached = Analysed(events, analyse(events))
            with self._guard:
                self._entries[execution] = cached
                self._entries.move_to_end(execution)
                while len(self._entries) > KEEP:
                    self._entries.popitem(last=False)
            return cached

    def _lock(self, execution: str) -> threading.Lock:
        with self._guard:
            if len(self._locks) > 4 * KEEP:
                self._locks = {key: self._locks[key] for key in self._entries if key in self._locks}
            return self._locks.setdefault(execution, threading.Lock())
