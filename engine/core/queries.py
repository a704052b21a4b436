"""JSONata states: the `$states` each field sees, evaluating the compiled fields, and the exits
(Assign and Output) that replace the JSONPath data flow.

`$states` holds `input` and `context`, plus `result` after a Task, Parallel or Map and
`errorOutput` in a Catch; keys AWS does not bind are left out. Every expression sees the
variables as they were before the state.
"""

from __future__ import annotations

import math
from typing import Any

from engine.core.dataflow import check_state_output
from engine.core.events import to_json
from engine.core.outcomes import Transition
from engine.core.run import Run
from engine.definition.model import Catcher, State
from engine.errors import QueryEvaluationError
from engine.language.jsonata import JsonataTemplate, json_type

Json = Any
# The most a Wait's Seconds, a timeout or MaxConcurrency may hold, as in the schema.
LARGEST = 99_999_999


def bindings(run: Run, raw: Json, context: Json | None = None, **more: Json) -> dict[str, Json]:
    """`$states` for the current state: its raw input, and `result` or `errorOutput`. Its
    `context` is the state's `$$` (built only for an expression that reads it), or `context`
    when the caller has another (a Task's, with its token; a Map item's)."""
    states = {"input": raw, **more}
    if context is not None:
        states["context"] = context
    return states


def evaluate(run: Run, template: Any, states: dict[str, Json], expect: str | None = None) -> Json:
    """A compiled field's value (a literal field is its own value), of the type `expect`."""
    if not isinstance(template, JsonataTemplate):
        return template
    value = template.evaluate(
        states, run.variables, run.scope(states.get("context")), expect=expect
    )
    # The language layer checks the type of an expression's value; a literal is checked here.
    if expect is not None and not template.is_expression and not _is_a(value, expect):
        raise QueryEvaluationError(
            f"The field '{template.field}' must hold a value of type '{expect}', "
            f"but was '{json_type(value)}' for value: {to_json(value)}",
            template.field,
        )
    return value


def _is_a(value: Json, expect: str) -> bool:
    kind = json_type(value)
    if expect == "integer":
        return kind == "number" and math.isfinite(value) and value == int(value)
    return kind == expect


def assigned(run: Run, assign: Any, states: dict[str, Json]) -> dict[str, Json]:
    """The variables an Assign sets, from the variables as they were before the state."""
    return {} if assign is None else evaluate(run, assign, states, expect="object")


def query_exit(
    run: Run, state: State, states: dict[str, Json], default: Json, next: str | None
) -> Transition:
    """Leave a JSONata state: Assign, then Output (`default` when the state has none)."""
    variables = assigned(run, state.assign, states)
    output = default if state.output is None else evaluate(run, state.output, states)
    check_state_output(state.name, output, encoded=run.encoded(output))
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


def bounded_integer(
    run: Run, field: str, template: Any, states: dict[str, Json], least: int = 0
) -> int:
    """An integer field (Seconds, TimeoutSeconds, MaxConcurrency...) within AWS's bounds."""
    value = evaluate(run, template, states, expect="integer")
    if not least <= value <= LARGEST:
        raise QueryEvaluationError(
            f"The {field} field must be an integer from {least} to {LARGEST}, "
            f"but was: {to_json(value)}",
            field,
        )
    return int(value)


def positive_integer(run: Run, field: str, template: Any, states: dict[str, Json]) -> int | None:
    """TimeoutSeconds, HeartbeatSeconds: absent, or a positive integer."""
    if template is None:
        return None
    return bounded_integer(run, field, template, states, least=1)


def not_an_array(value: Json) -> QueryEvaluationError:
    return QueryEvaluationError(f"Map state input must be an array but was: {to_json(value)}")
