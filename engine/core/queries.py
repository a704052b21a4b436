"""JSONata states: the `$states` each field sees, evaluating the compiled fields, and the exits
(Assign and Output) that replace the JSONPath data flow.

`$states` holds `input` and `context`, plus `result` after a Task, Parallel or Map and
`errorOutput` in a Catch; keys AWS does not bind are left out. Every expression sees the
variables as they were before the state.
"""

from __future__ import annotations

from typing import Any

from engine.core.dataflow import check_state_output
from engine.core.events import to_json
from engine.core.outcomes import Transition
from engine.core.run import Run
from engine.definition.model import Catcher, State
from engine.errors import QueryEvaluationError
from engine.language.jsonata import JsonataTemplate

Json = Any


def bindings(run: Run, raw: Json, context: Json | None = None, **more: Json) -> dict[str, Json]:
    """`$states` for the current state: its raw input, `$$`, and `result` or `errorOutput`."""
    states = {"input": raw, "context": run.state_context() if context is None else context}
    states.update(more)
    return states


def evaluate(run: Run, template: Any, states: dict[str, Json], expect: str | None = None) -> Json:
    """A compiled field's value (a literal field is its own value)."""
    if not isinstance(template, JsonataTemplate):
        return template
    return template.evaluate(states, run.variables, run.scope(states["context"]), expect=expect)


def assigned(run: Run, assign: Any, states: dict[str, Json]) -> dict[str, Json]:
    """The variables an Assign sets, from the variables as they were before the state."""
    return {} if assign is None else evaluate(run, assign, states, expect="object")


def query_exit(
    run: Run, state: State, states: dict[str, Json], default: Json, next: str | None
) -> Transition:
    """Leave a JSONata state: Assign, then Output (`default` when the state has none)."""
    variables = assigned(run, state.assign, states)
    output = default if state.output is None else evaluate(run, state.output, states)
    check_state_output(state.name, output)
    return Transition(output, next, variables)


def complete_query(run: Run, state: State, result: Json) -> Transition:
    """The exit of a Task, Parallel or Map: Output defaults to `$states.result`."""
    states = bindings(run, run.current["input"], result=result)
    return query_exit(run, state, states, result, state.next)


def catch_query(run: Run, catcher: Catcher, error_output: Json) -> Transition:
    """A catcher of a JSONata state: Output defaults to `$states.errorOutput`."""
    states = bindings(run, run.current["input"], errorOutput=error_output)
    variables = assigned(run, catcher.assign, states)
    output = error_output if catcher.output is None else evaluate(run, catcher.output, states)
    return Transition(output, catcher.next, variables)


def positive_integer(run: Run, field: str, template: Any, states: dict[str, Json]) -> int | None:
    """TimeoutSeconds, HeartbeatSeconds: absent, or a positive integer."""
    if template is None:
        return None
    value = evaluate(run, template, states, expect="integer")
    if value <= 0:
        raise QueryEvaluationError(
            f"The {field} field must be a positive integer, but was: {value}"
        )
    return int(value)


def not_an_array(value: Json) -> QueryEvaluationError:
    return QueryEvaluationError(f"Map state input must be an array but was: {to_json(value)}")
