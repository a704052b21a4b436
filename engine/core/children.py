"""Parallel and Map: the states that run child runs (branches, item iterations).

The parent starts its children with one StartChildren effect and resumes on ChildrenDone or
ChildFailed; the shell runs each child's machine with its own snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from engine.core import distributed, events
from engine.core.context import iso, map_item_context, without_execution_input
from engine.core.dataflow import effective_input, render
from engine.core.effects import Child, StartChildren
from engine.core.errors import EXCEED_TOLERATED_FAILURE_THRESHOLD, QUERY_EVALUATION, RUNTIME
from engine.core.exits import complete_result
from engine.core.failures import failure_of
from engine.core.outcomes import Failure, Outcome, Suspend
from engine.core.queries import bindings, bounded_integer, evaluate, not_an_array
from engine.core.run import Run
from engine.core.triggers import INDEX_KEY, RUN_KEY, VARIABLES_KEY
from engine.definition.model import MapState, ParallelState
from engine.errors import AslError
from engine.language.scope import Scope

Json = Any


def _shared_context(run: Run) -> Json:
    """What every child of this state starts with: the execution's `$$` without its input
    (the env supplies it: n children must not hold n copies) and the variables it may read."""
    return {**without_execution_input(run.snapshot["context"]), VARIABLES_KEY: run.variables}


def _child_context(run: Run, shared: Json, index: int, map_item: bool) -> Json:
    """A child's context: the shared part plus its run id (unique per parent run, state entry,
    attempt and index: idempotency keys build on it) and, for a Map iteration, its index."""
    current = run.current
    run_id = (
        f"{run.snapshot['run_id']}/{current['name']}@{current['entered_event']}"
        f".{current['retry_count']}[{index}]"
    )
    context = {**shared, RUN_KEY: run_id}
    if map_item:
        context[INDEX_KEY] = index
    return context


def execute_parallel(run: Run, state: ParallelState, raw: Json) -> Outcome:
    if state.uses_jsonata:
        data = raw if state.arguments is None else _query(run, state.arguments, raw)
    else:
        scope = run.scope()
        data = render(state.parameters, effective_input(state.input_path, raw, scope), scope)
    kept = _kept(run, state.name)
    run.emit(events.simple("ParallelStateStarted"))
    shared = _shared_context(run)
    children = [
        Child(index, branch.path, data, _child_context(run, shared, index, map_item=False))
        for index, branch in enumerate(state.branches)
        if index not in kept
    ]
    run.effect(StartChildren(state.name, children, 0, 0, 0.0))
    run.await_("children", **_kept_record(kept, len(state.branches)))
    return Suspend()


def _kept(run: Run, name: str) -> dict[int, Json]:
    """Outputs of the children a redrive does not run again (they succeeded before)."""
    redrive = run.take_redrive(name)
    return redrive["kept"] if redrive else {}


def _kept_record(kept: dict[int, Json], total: int) -> Json:
    """What the awaiting record holds to merge kept outputs with the new ones."""
    return {"kept": {str(i): output for i, output in kept.items()}, "total": total} if kept else {}


def _merged(run: Run, results: list[Json]) -> list[Json]:
    """All children's outputs in index order: the kept ones and those of the children that ran
    (which started, and report, in index order)."""
    awaited = run.snapshot["awaiting"] or {}
    kept = awaited.get("kept")
    if not kept:
        return list(results)
    fresh = iter(results)
    return [kept[str(i)] if str(i) in kept else next(fresh) for i in range(awaited["total"])]


def _query(run: Run, template: Any, raw: Json, expect: str | None = None) -> Json:
    return evaluate(run, template, bindings(run, raw), expect)


def execute_map(run: Run, state: MapState, raw: Json) -> Outcome:
    redrive = run.take_redrive(state.name)
    kept = redrive["kept"] if redrive else {}
    # An ItemReader's items come after MapStateStarted (its length 0) and MapRunStarted, as
    # AWS records them: the Map Run reads them.
    reader = state.item_reader is not None
    if state.uses_jsonata:
        data, scope = raw, None
        items = [] if reader else _query_items(run, state, raw)
        max_concurrency, (count, percentage) = _query_limits(run, state, raw)
        run.emit(events.map_state_started(len(items)))
    else:
        scope = run.scope()
        data = effective_input(state.input_path, raw, scope)
        items = [] if reader else _items(state, data, scope)
        # AWS checks MaxConcurrencyPath before the Map starts, the tolerance after.
        max_concurrency = _integer(state.max_concurrency, state.max_concurrency_path, data, scope)
        run.emit(events.map_state_started(len(items)))
        count, percentage = _tolerance(state, data, scope)
    if reader:
        awaited = _map_run(run, state, redrive)
        try:
            items = distributed.read_items(run, state, data, scope)
        except AslError as error:
            return _reader_failed(run, error)
        inputs = _iteration_inputs(run, state, data, scope, items)
    else:
        inputs = _iteration_inputs(run, state, data, scope, items)
        awaited = _map_run(run, state, redrive) if state.mode == "DISTRIBUTED" else {}
    awaited.update(_kept_record(kept, len(inputs)))
    awaited.update(distributed.writer_record(state, inputs, iso(run.env.now())))
    shared = _shared_context(run)
    children = [
        Child(
            index,
            state.processor.path,
            child_input,
            _child_context(run, shared, index, map_item=True),
        )
        for index, child_input in enumerate(inputs)
        if index not in kept
    ]
    run.effect(StartChildren(state.name, children, max_concurrency, count, percentage))
    run.await_("children", **awaited)
    return Suspend()


def _reader_failed(run: Run, error: AslError) -> Outcome:
    """The Map Run could not read its items: it fails (MapRunFailed), then the state does. A
    JSONata expression that fails records its own EvaluationFailed and MapStateFailed."""
    if error.error == QUERY_EVALUATION:
        raise error
    failure = failure_of(run, error)
    run.emit(events.map_run_failed(failure.error, failure.cause))
    return replace(failure, unless_retried=(events.simple("MapStateFailed"),))


def _iteration_inputs(
    run: Run, state: MapState, data: Json, scope: Scope | None, items: list[Json]
) -> list[Json]:
    """Each iteration's input: ItemSelector per item, then (ItemBatcher) the batches."""
    if state.item_selector is None:
        selected: Iterable[Json] = items
    else:
        context = run.state_context()  # the same for every item but for its `Map.Item`
        selected = (
            _item_input(run, state, data, context, index, item) for index, item in enumerate(items)
        )
    if state.item_batcher is None:
        return list(selected)
    return list(distributed.batched(run, state, data, scope, selected))


def _map_run(run: Run, state: MapState, redrive: Json) -> Json:
    """Start a DISTRIBUTED Map's Map Run, or redrive the one its last attempt started."""
    if redrive and redrive.get("map_run"):
        arn, count = redrive["map_run"], redrive["map_run_redrives"] + 1
        run.emit(events.map_run_redriven(arn, count))
        return {"map_run": arn, "map_run_redrives": count}
    arn = distributed.map_run_arn(run, state)
    run.emit(events.map_run_started(arn))
    return {"map_run": arn, "map_run_redrives": 0}


def _items(state: MapState, data: Json, scope: Scope) -> list[Json]:
    items = data if state.items_path is None else state.items_path.select(data, scope)
    if not isinstance(items, list):
        raise AslError(
            RUNTIME, f"Map state input must be an array but was: {events.to_json(items)}"
        )
    return items


def _query_items(run: Run, state: MapState, raw: Json) -> list[Json]:
    """Items (an array, or an expression giving one), else the state input."""
    if state.items is not None:
        return _query(run, state.items, raw, "array")
    if not isinstance(raw, list):
        raise not_an_array(raw)
    return raw


def _query_limits(run: Run, state: MapState, raw: Json) -> tuple[int, tuple[int, float]]:
    """MaxConcurrency, ToleratedFailureCount and ToleratedFailurePercentage of a JSONata Map."""
    states = bindings(run, raw)
    maximum = state.max_concurrency
    maximum = 0 if maximum is None else bounded_integer(run, "MaxConcurrency", maximum, states)
    count, percentage = state.tolerated_failure_count, state.tolerated_failure_percentage
    count = 0 if count is None else evaluate(run, count, states, "integer")
    percentage = 0 if percentage is None else evaluate(run, percentage, states, "number")
    return maximum, _checked_tolerance(int(count), percentage)


def _item_input(
    run: Run, state: MapState, data: Json, state_context: Json, index: int, item: Json
) -> Json:
    context = map_item_context(state_context, index, item)
    if state.uses_jsonata:
        return evaluate(run, state.item_selector, bindings(run, data, context))
    return state.item_selector.render(data, run.scope(context))


def _field_value_error(field: str, value: Json, kind: str, source: str) -> AslError:
    shown = value if isinstance(value, str) else events.to_json(value)
    return AslError(
        RUNTIME,
        f'The {field} field refers to value "{shown}" which is not a valid {kind}: {source}',
    )


def _integer(fixed: int, path: Any, data: Json, scope: Scope) -> int:
    if path is None:
        return fixed
    return _path_number(path, "MaxConcurrencyPath", int, data, scope)


def _path_number(path: Any, field: str, kind: type, data: Json, scope: Scope) -> Any:
    """A number a `...Path` field refers to; AWS also takes a string holding one."""
    value = path.evaluate(data, scope)
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    elif not isinstance(value, bool) and isinstance(value, int | (float if kind is float else int)):
        return value
    name = "integer" if kind is int else "float"
    raise _field_value_error(field, value, name, path.source)


def _tolerance(state: MapState, data: Json, scope: Scope) -> tuple[int, float]:
    count, percentage = state.tolerated_failure_count, state.tolerated_failure_percentage
    if state.tolerated_failure_count_path is not None:
        path = state.tolerated_failure_count_path
        count = _path_number(path, "ToleratedFailureCountPath", int, data, scope)
    if state.tolerated_failure_percentage_path is not None:
        path = state.tolerated_failure_percentage_path
        percentage = _path_number(path, "ToleratedFailurePercentagePath", float, data, scope)
    return _checked_tolerance(count, percentage)


def _checked_tolerance(count: int, percentage: float) -> tuple[int, float]:
    if count < 0:
        raise AslError(RUNTIME, "ToleratedFailureCount cannot be negative.")
    if not 0 <= percentage <= 100:
        raise AslError(RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
    return count, float(percentage)


def resume_parallel(run: Run, state: ParallelState, results: list[Json]) -> Outcome:
    run.emit(events.simple("ParallelStateSucceeded"))
    return complete_result(run, state, _merged(run, results))


def resume_map(
    run: Run, state: MapState, results: list[Json], failed: Iterable[int] = ()
) -> Outcome:
    """The Map's result: its iterations' outputs, or with a ResultWriter, where they went."""
    merged = _merged(run, results)
    if state.result_writer is not None:
        data = run.current["input"]
        if not state.uses_jsonata:
            data = effective_input(state.input_path, data, run.scope())
        ended = dict(enumerate(merged))
        merged = distributed.write_results(run, state, data, ended, set(failed))
    if state.mode == "DISTRIBUTED":
        run.emit(events.simple("MapRunSucceeded"))
    run.emit(events.simple("MapStateSucceeded"))
    return complete_result(run, state, merged)


def fail_parallel(run: Run, state: ParallelState, error: str | None, cause: str | None) -> Outcome:
    return Failure(error, cause, unless_retried=(events.simple("ParallelStateFailed"),))


def fail_map(
    run: Run,
    state: MapState,
    error: str | None,
    cause: str | None,
    ended: dict[int, Json] | None = None,
    failed: Iterable[int] = (),
) -> Outcome:
    """The Map fails: past its tolerance, or with the first failure. A ResultWriter still
    writes the iterations that `ended` (outputs, `{"Error", "Cause"}` for the `failed`), and
    the others as PENDING, as AWS does for a Map Run that fails; if that write fails, the
    Map fails with States.ResultWriterFailed."""
    if _has_tolerance(state):
        error = EXCEED_TOLERATED_FAILURE_THRESHOLD
        cause = "The specified tolerated failure threshold was exceeded"
    if state.result_writer is not None and state.mode == "DISTRIBUTED":
        awaited = run.snapshot["awaiting"] or {}
        kept = {int(i): output for i, output in (awaited.get("kept") or {}).items()}
        try:
            data = run.current["input"]
            if not state.uses_jsonata:
                data = effective_input(state.input_path, data, run.scope())
            done = {**kept, **(ended or {})}
            distributed.write_results(run, state, data, done, set(failed))
        except AslError as problem:
            error, cause = problem.error, problem.cause
    if state.mode == "DISTRIBUTED":
        run.emit(events.map_run_failed(error, cause))
    return Failure(error, cause, unless_retried=(events.simple("MapStateFailed"),))


def _has_tolerance(state: MapState) -> bool:
    return bool(
        state.tolerated_failure_count
        or state.tolerated_failure_percentage
        or state.tolerated_failure_count_path
        or state.tolerated_failure_percentage_path
    )
