"""The one table of integrations: which module runs a Task, by the form of its Resource.

Resolving a resource classifies it once and caches the row, so the runtime's lookup per Task
is one dict hit; the activity (or handler) is then found in the caller's registry, another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from engine.definition.resources import ACTIVITY, LAMBDA, TASK, ResourceKind, classify
from engine.errors import SfnError, UnknownResource
from engine.integrations.base import Children, Integration, Json, Registered, Runner
from engine.integrations.settings import IntegrationSettings


def _is_activity(kind: ResourceKind) -> bool:
    return kind.family == ACTIVITY or (kind.family == TASK and kind.resource_type == "activity")


def _is_lambda(kind: ResourceKind) -> bool:
    return kind.family == LAMBDA or (kind.service, kind.action) == ("lambda", "invoke")


def _is_http(kind: ResourceKind) -> bool:
    return (kind.service, kind.action) == ("http", "invoke")


def _is_start_execution(kind: ResourceKind) -> bool:
    return (kind.service, kind.action) == ("states", "startExecution")


# Each row's module is imported when a Resource first needs it, so a command whose machine
# makes no HTTP request loads no HTTP client, SSL or e-mail modules (start-up time).
def _activities() -> Integration:
    from engine.integrations.activity import ACTIVITIES

    return ACTIVITIES


def _lambda_functions() -> Integration:
    from engine.integrations.lambda_function import LAMBDA_FUNCTIONS

    return LAMBDA_FUNCTIONS


def _http_invoke() -> Integration:
    from engine.integrations.http_invoke import HTTP_INVOKE

    return HTTP_INVOKE


def _start_execution() -> Integration:
    from engine.integrations.start_execution import START_EXECUTION

    return START_EXECUTION


def _handlers() -> Integration:
    from engine.integrations.handlers import HANDLERS

    return HANDLERS


TABLE: tuple[tuple[Callable[[ResourceKind], bool], Callable[[], Integration]], ...] = (
    (_is_activity, _activities),  # a plain name, or arn:aws:states:...:activity:NAME
    (_is_lambda, _lambda_functions),  # arn:aws:lambda:...:function:NAME, lambda:invoke
    (_is_http, _http_invoke),  # arn:aws:states:::http:invoke
    (_is_start_execution, _start_execution),  # states:startExecution(.sync, .sync:2, ...)
    (lambda kind: True, _handlers),  # anything else: a handler registered with @integration
)


@dataclass(frozen=True)
class Binding:
    """A resource and the integration that runs it."""

    kind: ResourceKind
    integration: Integration

    def activity(self, task_input: Json) -> str | None:
        """The activity whose queue the Task goes to (None: the default queue)."""
        return self.integration.activity(self.kind, task_input)


_bindings: dict[str, Binding] = {}


def resolve(resource: str) -> Binding:
    """The binding of a Resource (classified once per process, then one dict hit)."""
    binding = _bindings.get(resource)
    if binding is None:
        kind = classify(resource)
        load = next(load for matches, load in TABLE if matches(kind))
        binding = _bindings[resource] = Binding(kind, load())
    return binding


def runner(
    resource: str,
    task_input: Json,
    registered: Registered,
    children: Children | None = None,
    *,
    settings: IntegrationSettings,
) -> Runner:
    """What runs a Task attempt of `resource` with `task_input`: `registered` holds the
    caller's activities and handlers, `children` starts nested executions, `settings` are the
    process's. UnknownResource (listing the known activities) or UnhandledResource when
    nothing registered runs it."""
    binding = resolve(resource)
    try:
        return binding.integration.runner(binding.kind, task_input, registered, children, settings)
    except UnknownResource as error:
        raise UnknownResource(error.resource, registered.names()) from None


def check(
    definition: Mapping[str, Json],
    registered: Registered,
    *,
    skip: Callable[[str], bool] = lambda name: False,
    activities: bool = True,
) -> None:
    """Raise, before an execution starts, for the first Task nothing registered can run
    (`skip(state_name)` leaves a state out, e.g. one a mock config answers; `activities=False`
    checks only AWS resources, leaving a missing activity to fail its Task)."""
    for name, state in task_states(definition):
        if skip(name):
            continue
        binding = resolve(state["Resource"])
        problem = binding.integration.problem(binding.kind, state, registered)
        if isinstance(problem, UnknownResource):
            if activities:
                raise UnknownResource(problem.resource, registered.names())
            continue
        if isinstance(problem, SfnError):
            raise problem


def task_states(definition: Mapping[str, Json]) -> Iterator[tuple[str, Mapping[str, Json]]]:
    """Every Task state (name, body) of a definition, nested branches and processors included."""
    for name, state in (definition.get("States") or {}).items():
        if state.get("Type") == "Task" and isinstance(state.get("Resource"), str):
            yield name, state
        for branch in state.get("Branches") or []:
            yield from task_states(branch)
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from task_states(processor)


def resources(definition: Mapping[str, Json]) -> Iterable[str]:
    return {state["Resource"] for _, state in task_states(definition)}
