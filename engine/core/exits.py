"""How a state ends well: its result or data goes through Assign, ResultPath and OutputPath."""

from __future__ import annotations

from typing import Any

from engine.core.dataflow import (
    apply_result_path,
    check_state_output,
    effective_output,
    render,
)
from engine.core.outcomes import Transition
from engine.core.queries import complete_query
from engine.core.run import Run
from engine.definition.model import ResultState, State
from engine.language.scope import Scope

Json = Any


def complete_result(
    run: Run, state: ResultState, result: Json, scope: Scope | None = None
) -> Transition:
    """ResultSelector, Assign, ResultPath and OutputPath of a state that produced `result`
    (Assign and Output in a JSONata state); `scope`: the state's, if the caller has it."""
    if state.uses_jsonata:
        return complete_query(run, state, result)
    if scope is None:
        scope = run.scope()
    result = render(state.result_selector, result, scope)
    assigned = render(state.assign, result, scope) if state.assign is not None else {}
    output = apply_result_path(
        state.result_path, state.discard_result, run.current["input"], result
    )
    output = effective_output(state.output_path, output, scope)
    check_state_output(state.name, output, encoded=run.encoded(output))
    return Transition(output, state.next, assigned)


def plain_exit(state: State, data: Json, scope: Scope, next: str | None) -> Transition:
    """Exit of a state without a result (Choice, Wait, Succeed): Assign, then OutputPath."""
    assigned = render(state.assign, data, scope) if state.assign is not None else {}
    return Transition(effective_output(state.output_path, data, scope), next, assigned)
