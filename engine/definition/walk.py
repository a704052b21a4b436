"""The machines of a definition (top level, Parallel branches, Map processors) and their states.

Checks walk these instead of raw dicts, so every check sees nested machines, the effective
query language of each state, and the path of every node, without repeating the traversal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engine.definition.document import Document, NodePath

LANGUAGES = ("JSONPath", "JSONata")


@dataclass(frozen=True)
class Machine:
    """A state machine: the definition itself, a Parallel branch or a Map processor."""

    data: dict
    path: NodePath
    language: str
    label: str

    @property
    def states(self) -> dict[str, Any]:
        states = self.data.get("States")
        return states if isinstance(states, dict) else {}


@dataclass(frozen=True)
class State:
    """One state of a machine, with its place and effective query language."""

    name: str
    body: dict
    path: NodePath
    language: str
    machine: Machine

    @property
    def type(self) -> Any:
        return self.body.get("Type")

    def at(self, *fields: str | int) -> NodePath:
        return (*self.path, *fields)


def machines(document: Document) -> Iterator[Machine]:
    """Every machine of the document, outermost first."""
    data = document.data
    if not isinstance(data, dict):
        return
    language = data.get("QueryLanguage")
    top = Machine(data, (), language if language in LANGUAGES else "JSONPath", "the state machine")
    pending = [top]
    while pending:
        machine = pending.pop(0)
        yield machine
        for state in states_of(machine):
            pending.extend(_children(state))


def states_of(machine: Machine) -> Iterator[State]:
    for name, body in machine.states.items():
        if isinstance(body, dict):
            own = body.get("QueryLanguage")
            language = own if own in LANGUAGES else machine.language
            yield State(name, body, (*machine.path, "States", name), language, machine)


def states(document: Document) -> Iterator[State]:
    """Every state of every machine of the document."""
    for machine in machines(document):
        yield from states_of(machine)


def _children(state: State) -> Iterator[Machine]:
    branches = state.body.get("Branches") if state.type == "Parallel" else None
    if isinstance(branches, list):
        for index, branch in enumerate(branches):
            if isinstance(branch, dict):
                label = f"branch {index + 1} of state {state.name!r}"
                yield Machine(branch, state.at("Branches", index), state.language, label)
    if state.type == "Map":
        for field in ("ItemProcessor", "Iterator"):
            processor = state.body.get(field)
            if isinstance(processor, dict):
                label = f"the {field} of state {state.name!r}"
                yield Machine(processor, state.at(field), state.language, label)
