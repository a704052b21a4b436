"""A run being advanced: a working copy of the snapshot plus the events and effects of a step.

The snapshot stays plain JSON data; this class only gives its fields names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.core import events
from engine.core.context import iso, state_context, with_execution_input
from engine.core.effects import Effect
from engine.core.env import Env
from engine.core.triggers import INDEX_KEY, RUN_KEY, VARIABLES_KEY
from engine.definition.model import Machine, State
from engine.language.scope import Scope

Json = Any
SNAPSHOT_FORMAT = 1
_NOTHING = object()


@dataclass(frozen=True)
class Step:
    """What one `advance` call decided: the new snapshot, its events and its effects."""

    snapshot: Json
    events: list[dict[str, Any]] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)


def new_snapshot(context: Json, given_context: Json) -> Json:
    return {
        "format": SNAPSHOT_FORMAT,
        "version": 0,
        "status": "RUNNING",
        "event_count": 0,
        "context": context,
        "outer_variables": dict(given_context.get(VARIABLES_KEY) or {}),
        "variables": {},
        "index": given_context.get(INDEX_KEY),
        "run_id": given_context.get(RUN_KEY, ""),
        "current": None,
        "awaiting": None,
        "failed": None,
    }


def working_copy(snapshot: Json) -> Json:
    """A copy of `snapshot` that a step may change without changing `snapshot` itself.

    Steps replace values rather than edit them, except for the few records copied here: the
    variables (Assign), the current state's retry counters and the execution's RedriveCount.
    Everything else (inputs, outputs, the context) is shared: copying it all cost a third of a
    Map's time, and a step's cost must not grow with the size of its data.
    """
    copy = dict(snapshot)
    copy["variables"] = dict(snapshot["variables"])
    current = snapshot["current"]
    if current is not None:
        copy["current"] = {**current, "retry_counts": list(current["retry_counts"])}
    context = snapshot["context"]
    copy["context"] = {**context, "Execution": dict(context["Execution"])}
    return copy


class Run:
    """Mutable working copy of one run's snapshot while `advance` decides a step."""

    def __init__(self, machine: Machine, snapshot: Json, env: Env, *, new: bool = False):
        """`new`: `snapshot` was made for this run (a start), so it is not copied."""
        self.machine = machine
        self.env = env
        self.given = None if new else snapshot
        self.snapshot = snapshot if new else working_copy(snapshot)
        self.events: list[dict[str, Any]] = []
        self.effects: list[Effect] = []
        # Set by a redrive: the state it re-enters, with the child outputs kept from that
        # state's last attempt (a Map/Parallel) and its Map Run (a DISTRIBUTED Map).
        self.redrive: Json = None
        # The value `encoded` printed last, and its text (see there).
        self._encoded: tuple[Json, str] = (_NOTHING, "")
        # When the state entered last in this step was entered: printed into the snapshot
        # (`entered_time`) only once read or when the step ends, as most states pass unread.
        self._entered_at: datetime | None = None

    def emit(self, event: dict[str, Any]) -> int:
        """Record an event; its id within this run's history."""
        self.events.append(event)
        self.snapshot["event_count"] += 1
        return self.snapshot["event_count"]

    def effect(self, effect: Effect) -> None:
        self.effects.append(effect)

    def encoded(self, value: Json, printed: str | None = None) -> str:
        """`value` as JSON text, as events print payloads. A state's output is printed up to
        three times (its size checked, the state exited, the next one entered): the last
        value printed is remembered, by identity (values are never changed in place).
        `printed`: `value`'s text, printed already by the caller (remembered, not printed)."""
        last, text = self._encoded
        if value is not last:
            text = events.to_json(value) if printed is None else printed
            self._encoded = (value, text)
        return text

    def step(self) -> Step:
        """The step decided. One that changes nothing in the run (a heartbeat re-arming its
        timer: effects only) gives back the snapshot it was given, version and all."""
        if self.current is not None:
            self._entered_time()
        if not self.events and self.snapshot == self.given:
            return Step(self.given, [], self.effects)
        self.snapshot["version"] += 1
        return Step(self.snapshot, self.events, self.effects)

    @property
    def current(self) -> Json:
        return self.snapshot["current"]

    @property
    def state(self) -> State:
        return self.machine.states[self.current["name"]]

    @property
    def variables(self) -> dict[str, Json]:
        """What `$name` sees: this run's variables over the outer scope's (read-only) ones."""
        return {**self.snapshot["outer_variables"], **self.snapshot["variables"]}

    def scope(self, context: Json | None = None) -> Scope:
        """What the current state's expressions see; `$$` is the state's context (built
        only if read) unless `context` is given."""
        return Scope(
            context=context,
            variables=self.variables,
            random=self.env.random,
            uuid=self.env.uuid,
            build_context=self.state_context if context is None else None,
        )

    def state_context(self, token: str | None = None) -> Json:
        current = self.current
        # Looked up only for a child run (a root run carries its input), so an env for root
        # runs alone needs no `execution_input`.
        base = with_execution_input(self.snapshot["context"], lambda: self.env.execution_input())
        return state_context(
            base,
            current["name"],
            self._entered_time(),
            current["retry_count"],
            token,
        )

    def enter(self, name: str, raw_input: Json) -> None:
        """Make `name` the current state (a new entry: retry counters start at zero)."""
        state = self.machine.states[name]
        event_id = self.emit(
            events.state_entered(state.type, name, raw_input, self.encoded(raw_input))
        )
        self.snapshot["current"] = {
            "name": name,
            "input": raw_input,
            "entered_event": event_id,
            "entered_time": None,
            "retry_counts": [0] * len(getattr(state, "retry", ())),
            "retry_count": 0,
        }
        self._entered_at = self.env.now()

    def _entered_time(self) -> str:
        """The current state's `entered_time`, printed now if it was entered in this step."""
        current = self.current
        if current["entered_time"] is None:
            current["entered_time"] = iso(self._entered_at)
        return current["entered_time"]

    def take_redrive(self, name: str) -> Json:
        """What a redrive kept for the state `name` (once; None if it is not the state the
        redrive re-entered)."""
        redrive, self.redrive = self.redrive, None
        return redrive if redrive is not None and redrive["name"] == name else None

    def assign(self, values: dict[str, Json]) -> None:
        self.snapshot["variables"].update(values)

    def await_(self, kind: str, **details: Json) -> None:
        self.snapshot["awaiting"] = {"kind": kind, **details}

    def awaiting(self, kind: str, key: str | None = None, value: Json = None) -> Json | None:
        """The awaited record if the run awaits `kind` (with `key` equal to `value`)."""
        awaited = self.snapshot["awaiting"]
        if self.snapshot["status"] != "RUNNING" or not awaited or awaited["kind"] != kind:
            return None
        if key is not None and awaited.get(key) != value:
            return None
        return awaited

    def runtime_cause(self, cause: str | None) -> str:
        """AWS's prefix for errors the service raises while executing a state."""
        current = self.current
        return (
            f"An error occurred while executing the state '{current['name']}' "
            f"(entered at the event id #{current['entered_event']}). {cause or ''}"
        )
