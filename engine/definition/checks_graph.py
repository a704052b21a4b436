"""Semantic checks on the shape of each machine: names, transitions, reachability.

One function per rule; each yields Diagnostics placed at the offending node.
"""

from __future__ import annotations

from collections.abc import Iterator
from difflib import get_close_matches

from engine.definition.document import Document, NodePath
from engine.definition.walk import Machine, State, machines, states, states_of
from engine.errors import Diagnostic

MAX_NAME_LENGTH = 80
FLOWING_TYPES = ("Pass", "Task", "Wait", "Parallel", "Map")
TERMINAL_TYPES = ("Succeed", "Fail", "Choice")


def transitions(state: State) -> Iterator[tuple[NodePath, str]]:
    """Every (path, target) a state can move to: Next, Default, Choices[].Next, Catch[].Next."""
    body = state.body
    for field in ("Next", "Default"):
        if isinstance(body.get(field), str):
            yield state.at(field), body[field]
    for field in ("Choices", "Catch"):
        items = body.get(field)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("Next"), str):
                yield state.at(field, index, "Next"), item["Next"]


def _unknown(target: str, machine: Machine) -> str:
    close = get_close_matches(target, [str(name) for name in machine.states], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{target!r}, which is not a state of {machine.label}{hint}"


def start_at_exists(document: Document) -> Iterator[Diagnostic]:
    for machine in machines(document):
        start = machine.data.get("StartAt")
        if isinstance(start, str) and machine.states and start not in machine.states:
            path = (*machine.path, "StartAt")
            yield document.diagnostic(f"StartAt names {_unknown(start, machine)}", path)


def transition_targets_exist(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        for path, target in transitions(state):
            if target not in state.machine.states:
                field = path[-1] if path[-2] == state.name else f"{path[-3]}[{path[-2]}].Next"
                message = f"state {state.name!r}: {field} names {_unknown(target, state.machine)}"
                yield document.diagnostic(message, path)


def states_reachable(document: Document) -> Iterator[Diagnostic]:
    for machine in machines(document):
        start = machine.data.get("StartAt")
        if not isinstance(start, str) or start not in machine.states:
            continue
        by_name = {state.name: state for state in states_of(machine)}
        reached, pending = {start}, [start]
        while pending:
            state = by_name.get(pending.pop())
            for _, target in transitions(state) if state else ():
                if target not in reached:
                    reached.add(target)
                    pending.append(target)
        for name in machine.states:
            if name not in reached:
                message = f"state {name!r} is never reached: StartAt and no other state lead to it"
                yield document.diagnostic(message, (*machine.path, "States", name), at_key=True)


def next_or_end(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        if state.type not in FLOWING_TYPES:
            continue
        has_next, has_end = "Next" in state.body, "End" in state.body
        if has_next and has_end:
            message = f"state {state.name!r} has both Next and End; keep one"
            yield document.diagnostic(message, state.at("End"), at_key=True)
        elif not has_next and not has_end:
            message = (
                f"state {state.name!r} needs Next (the state to run after it) or End: true "
                f"(a {state.type} state does not end the run by itself)"
            )
            yield document.diagnostic(message, state.path, at_key=True)


def terminal_transitions(document: Document) -> Iterator[Diagnostic]:
    for state in states(document):
        if state.type not in TERMINAL_TYPES:
            continue
        for field in ("Next", "End"):
            if field in state.body:
                if state.type == "Choice":
                    reason = "a Choice state moves on through its Choices and Default"
                else:
                    reason = f"a {state.type} state ends the run"
                message = f"state {state.name!r}: {field} is not allowed: {reason}"
                yield document.diagnostic(message, state.at(field), at_key=True)


def state_names_short(document: Document) -> Iterator[Diagnostic]:
    for machine in machines(document):
        for name in machine.states:
            if len(name) > MAX_NAME_LENGTH:
                message = (
                    f"state name {name[:20]!r}... is {len(name)} characters long; "
                    f"the limit is {MAX_NAME_LENGTH}"
                )
                yield document.diagnostic(message, (*machine.path, "States", name), at_key=True)


def state_names_unique(document: Document) -> Iterator[Diagnostic]:
    # Branches and processors share one namespace with the top level, as on AWS.
    first: dict[str, NodePath] = {}
    for machine in machines(document):
        for name in machine.states:
            path = (*machine.path, "States", name)
            if name not in first:
                first[name] = path
                continue
            where = document.key_position(first[name])
            line = f" (first defined on line {where[0]})" if where else ""
            message = f"state name {name!r} is used twice{line}; state names must be unique"
            yield document.diagnostic(message, path, at_key=True)
