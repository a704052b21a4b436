"""The compiled model the interpreter runs: one frozen dataclass per state type.

Paths, payload templates, intrinsic calls and Choice rules are compiled here, once per
definition version, so a transition never parses anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import ExpressionError
from engine.language.choice import compile_rule
from engine.language.intrinsics import compile_call
from engine.language.jsonpath import compile_path
from engine.language.reference import compile_reference_path
from engine.language.template import compile_template

Json = Any
JSONPATH = "JSONPath"
JSONATA = "JSONata"

# A machine path names a nested machine from the root: pairs of (state name, branch index);
# a Map's item processor is branch 0 of its state.
MachinePath = tuple[str | int, ...]


@dataclass(frozen=True)
class Expression:
    """A value computed from `$`: a JSONPath (or reference path) or an intrinsic call."""

    source: str
    compiled: Any

    def evaluate(self, data: Json, scope: Any) -> Json:
        if hasattr(self.compiled, "select"):
            return self.compiled.select(data, scope)
        return self.compiled.evaluate(data, scope)


@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter_strategy: str = "NONE"


@dataclass(frozen=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: Any = None
    discard_result: bool = False
    assign: Any = None


@dataclass(frozen=True)
class State:
    """What every state has; `query_language` says how its fields are to be read."""

    name: str
    type: str
    query_language: str = JSONPATH
    next: str | None = None
    end: bool = False
    comment: str | None = None
    input_path: Any = None
    output_path: Any = None
    assign: Any = None


@dataclass(frozen=True)
class ResultState(State):
    """A state that produces a result: Pass, Task, Parallel, Map."""

    parameters: Any = None
    result_selector: Any = None
    result_path: Any = None
    discard_result: bool = False
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True)
class PassState(ResultState):
    result: Json = None
    has_result: bool = False


@dataclass(frozen=True)
class TaskState(ResultState):
    resource: str = ""
    timeout_seconds: int | None = None
    timeout_seconds_path: Expression | None = None
    heartbeat_seconds: int | None = None
    heartbeat_seconds_path: Expression | None = None


@dataclass(frozen=True)
class ChoiceRule:
    rule: Any
    next: str
    assign: Any = None


@dataclass(frozen=True)
class ChoiceState(State):
    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class WaitState(State):
    seconds: int | None = None
    seconds_path: Expression | None = None
    timestamp: str | None = None
    timestamp_path: Expression | None = None


@dataclass(frozen=True)
class SucceedState(State):
    pass


@dataclass(frozen=True)
class FailState(State):
    error: str | None = None
    cause: str | None = None
    error_path: Expression | None = None
    cause_path: Expression | None = None


@dataclass(frozen=True)
class ParallelState(ResultState):
    branches: tuple[Machine, ...] = ()


@dataclass(frozen=True)
class MapState(ResultState):
    processor: Machine | None = None
    mode: str = "INLINE"
    items_path: Any = None
    item_selector: Any = None
    max_concurrency: int = 0
    max_concurrency_path: Expression | None = None
    tolerated_failure_count: int = 0
    tolerated_failure_count_path: Expression | None = None
    tolerated_failure_percentage: float = 0.0
    tolerated_failure_percentage_path: Expression | None = None

    @property
    def branches(self) -> tuple[Machine, ...]:
        return (self.processor,) if self.processor is not None else ()


@dataclass(frozen=True)
class Machine:
    """A state machine: the top-level one, a Parallel branch or a Map item processor."""

    start_at: str
    states: Mapping[str, State]
    query_language: str = JSONPATH
    comment: str | None = None
    timeout_seconds: int | None = None
    path: MachinePath = ()
    # "root", "branch" (of a Parallel) or "iteration" (of a Map); the owner is that state.
    role: str = "root"
    owner: str | None = None
    mode: str = "INLINE"

    def find(self, path: Sequence[str | int]) -> Machine:
        """The nested machine at `path` (relative to this machine)."""
        machine = self
        for at in range(0, len(path), 2):
            state = machine.states[path[at]]
            machine = state.branches[int(path[at + 1])]
        return machine


def compile_machine(data: Mapping[str, Json]) -> Machine:
    """Compile a definition (plain JSON data) into the model the interpreter runs."""
    return _Compiler().machine(data, (), "root", None, JSONPATH, "INLINE")


STATE_CLASSES: dict[str, type[State]] = {
    "Pass": PassState,
    "Task": TaskState,
    "Choice": ChoiceState,
    "Wait": WaitState,
    "Succeed": SucceedState,
    "Fail": FailState,
    "Parallel": ParallelState,
    "Map": MapState,
}


class _Compiler:
    """Turns definition dicts into model objects; raises ExpressionError with the place."""

    def machine(
        self,
        data: Mapping[str, Json],
        path: MachinePath,
        role: str,
        owner: str | None,
        inherited_language: str,
        mode: str,
    ) -> Machine:
        language = data.get("QueryLanguage", inherited_language)
        states = {
            name: self.state(name, body, path, language) for name, body in data["States"].items()
        }
        return Machine(
            start_at=data["StartAt"],
            states=states,
            query_language=language,
            comment=data.get("Comment"),
            timeout_seconds=data.get("TimeoutSeconds"),
            path=path,
            role=role,
            owner=owner,
            mode=mode,
        )

    def state(self, name: str, body: Mapping[str, Json], path: MachinePath, language: str) -> State:
        kind = body["Type"]
        language = body.get("QueryLanguage", language)
        common: dict[str, Any] = {
            "name": name,
            "type": kind,
            "query_language": language,
            "next": body.get("Next"),
            "end": bool(body.get("End", False)),
            "comment": body.get("Comment"),
        }
        if language == JSONATA:
            # JSONata states compile later; the interpreter fails them with a clear error.
            return STATE_CLASSES.get(kind, State)(**common)
        try:
            return self._jsonpath_state(kind, body, common, path)
        except ExpressionError as error:
            raise ExpressionError(f"state {name!r}: {error}") from error

    def _jsonpath_state(
        self, kind: str, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath
    ) -> State:
        common["input_path"] = self.optional_path(body, "InputPath")
        common["output_path"] = self.optional_path(body, "OutputPath")
        common["assign"] = self.template(body.get("Assign"))
        build = getattr(self, f"_{kind.lower()}", None)
        if build is None:
            raise ExpressionError(f"unknown state type {kind!r}")
        return build(body, common, path)

    def _results(self, body: Mapping[str, Json], common: dict[str, Any]) -> dict[str, Any]:
        result_path = body.get("ResultPath", "$")
        common.update(
            parameters=self.template(body.get("Parameters")),
            result_selector=self.template(body.get("ResultSelector")),
            result_path=None if result_path is None else compile_reference_path(result_path),
            discard_result=result_path is None,
            retry=tuple(self.retrier(r) for r in body.get("Retry", ())),
            catch=tuple(self.catcher(c) for c in body.get("Catch", ())),
        )
        return common

    def _pass(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        return PassState(
            **self._results(body, common), result=body.get("Result"), has_result="Result" in body
        )

    def _task(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        return TaskState(
            **self._results(body, common),
            resource=body["Resource"],
            timeout_seconds=body.get("TimeoutSeconds"),
            timeout_seconds_path=self.expression(body.get("TimeoutSecondsPath")),
            heartbeat_seconds=body.get("HeartbeatSeconds"),
            heartbeat_seconds_path=self.expression(body.get("HeartbeatSecondsPath")),
        )

    def _choice(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        choices = tuple(self.choice_rule(rule) for rule in body.get("Choices", ()))
        return ChoiceState(**common, choices=choices, default=body.get("Default"))

    def _wait(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        return WaitState(
            **common,
            seconds=body.get("Seconds"),
            seconds_path=self.expression(body.get("SecondsPath")),
            timestamp=body.get("Timestamp"),
            timestamp_path=self.expression(body.get("TimestampPath")),
        )

    def _succeed(
        self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath
    ) -> State:
        return SucceedState(**common)

    def _fail(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        return FailState(
            **common,
            error=body.get("Error"),
            cause=body.get("Cause"),
            error_path=self.expression(body.get("ErrorPath")),
            cause_path=self.expression(body.get("CausePath")),
        )

    def _parallel(
        self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath
    ) -> State:
        name, language = common["name"], common["query_language"]
        branches = tuple(
            self.machine(branch, (*path, name, index), "branch", name, language, "INLINE")
            for index, branch in enumerate(body.get("Branches", ()))
        )
        return ParallelState(**self._results(body, common), branches=branches)

    def _map(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        name, language = common["name"], common["query_language"]
        processor_data = body.get("ItemProcessor") or body.get("Iterator") or {}
        mode = processor_data.get("ProcessorConfig", {}).get("Mode", "INLINE")
        processor = self.machine(
            processor_data, (*path, name, 0), "iteration", name, language, mode
        )
        selector = body.get("ItemSelector")
        results = self._results(body, common)
        if selector is None and body.get("Parameters") is not None:
            # The older Parameters of a Map is the ItemSelector of today, applied per item.
            selector, results["parameters"] = body["Parameters"], None
        return MapState(
            **results,
            processor=processor,
            mode=mode,
            items_path=self.optional_path(body, "ItemsPath"),
            item_selector=self.template(selector),
            max_concurrency=body.get("MaxConcurrency", 0),
            max_concurrency_path=self.expression(body.get("MaxConcurrencyPath")),
            tolerated_failure_count=body.get("ToleratedFailureCount", 0),
            tolerated_failure_count_path=self.expression(body.get("ToleratedFailureCountPath")),
            tolerated_failure_percentage=body.get("ToleratedFailurePercentage", 0),
            tolerated_failure_percentage_path=self.expression(
                body.get("ToleratedFailurePercentagePath")
            ),
        )

    def retrier(self, data: Mapping[str, Json]) -> Retrier:
        return Retrier(
            error_equals=tuple(data.get("ErrorEquals", ())),
            interval_seconds=data.get("IntervalSeconds", 1),
            max_attempts=data.get("MaxAttempts", 3),
            backoff_rate=data.get("BackoffRate", 2.0),
            max_delay_seconds=data.get("MaxDelaySeconds"),
            jitter_strategy=data.get("JitterStrategy", "NONE"),
        )

    def catcher(self, data: Mapping[str, Json]) -> Catcher:
        result_path = data.get("ResultPath", "$")
        return Catcher(
            error_equals=tuple(data.get("ErrorEquals", ())),
            next=data["Next"],
            result_path=None if result_path is None else compile_reference_path(result_path),
            discard_result=result_path is None,
            assign=self.template(data.get("Assign")),
        )

    def choice_rule(self, data: Mapping[str, Json]) -> ChoiceRule:
        condition = {k: v for k, v in data.items() if k not in ("Next", "Assign", "Comment")}
        return ChoiceRule(
            rule=compile_rule(condition),
            next=data["Next"],
            assign=self.template(data.get("Assign")),
        )

    def optional_path(self, body: Mapping[str, Json], key: str) -> Any:
        """InputPath-like fields: absent means `$`, null means `{}` (kept as None here)."""
        value = body.get(key, "$")
        return None if value is None else compile_path(value)

    @staticmethod
    def template(value: Json) -> Any:
        return None if value is None else compile_template(value)

    @staticmethod
    def expression(value: str | None) -> Expression | None:
        if value is None:
            return None
        compiled = compile_call(value) if value.startswith("States.") else compile_path(value)
        return Expression(value, compiled)
