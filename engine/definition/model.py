"""The compiled model the interpreter runs: one frozen dataclass per state type.

Paths, payload templates, intrinsic calls, Choice rules and JSONata expressions are compiled
(by `compiler.py`) once per definition version, so a transition never parses anything.

A JSONata state keeps each field that may hold expressions (Arguments, Output, Assign, Items,
ItemSelector, Condition, Seconds, Timestamp, TimeoutSeconds, HeartbeatSeconds, MaxConcurrency,
ToleratedFailure*, Error, Cause) as a compiled `JsonataTemplate`, in the attribute of the same
name; its JSONPath-only attributes stay unset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.definition.resources import ResourceKind, classify

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
    """One Retry entry: which errors it retries, how often and how long it waits."""

    error_equals: tuple[str, ...]
    interval_seconds: float = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter_strategy: str = "NONE"


@dataclass(frozen=True)
class Catcher:
    """One Catch entry: which errors it catches, where it goes and what it keeps."""

    error_equals: tuple[str, ...]
    next: str
    result_path: Any = None
    discard_result: bool = False
    assign: Any = None
    output: Any = None


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
    output: Any = None

    @property
    def uses_jsonata(self) -> bool:
        return self.query_language == JSONATA


@dataclass(frozen=True)
class ResultState(State):
    """A state that produces a result: Pass, Task, Parallel, Map."""

    parameters: Any = None
    arguments: Any = None
    result_selector: Any = None
    result_path: Any = None
    discard_result: bool = False
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True)
class PassState(ResultState):
    """Pass: its input (or `result`, when it has one) becomes its result."""

    result: Json = None
    has_result: bool = False


@dataclass(frozen=True)
class TaskState(ResultState):
    """Task: calls `resource` (an activity or an integration, `kind`) within its timeouts."""

    resource: str = ""
    kind: ResourceKind = field(default_factory=lambda: classify(""))
    timeout_seconds: Any = None
    timeout_seconds_path: Expression | None = None
    heartbeat_seconds: Any = None
    heartbeat_seconds_path: Expression | None = None


@dataclass(frozen=True)
class ChoiceRule:
    """A JSONPath rule (`rule`) or a JSONata one (`condition`, and optionally `output`)."""

    rule: Any
    next: str
    assign: Any = None
    condition: Any = None
    output: Any = None


@dataclass(frozen=True)
class ChoiceState(State):
    """Choice: the first rule that matches names the next state, else `default`."""

    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class WaitState(State):
    """Wait: for some seconds or until a timestamp, given or read from the input."""

    seconds: Any = None
    seconds_path: Expression | None = None
    timestamp: Any = None
    timestamp_path: Expression | None = None


@dataclass(frozen=True)
class SucceedState(State):
    """Succeed: the machine ends here, successfully."""


@dataclass(frozen=True)
class FailState(State):
    """Fail: the machine ends here with an error and a cause."""

    error: Any = None
    cause: Any = None
    error_path: Expression | None = None
    cause_path: Expression | None = None


@dataclass(frozen=True)
class ParallelState(ResultState):
    """Parallel: runs every branch on its input; the result lists their outputs."""

    branches: tuple[Machine, ...] = ()


@dataclass(frozen=True)
class ItemReader:
    """A Distributed Map's ItemReader: the S3 action (`getObject`, `listObjectsV2`), its
    request (Parameters, or a JSONata state's Arguments) and ReaderConfig."""

    action: str
    parameters: Any = None
    input_type: str | None = None
    csv_header_location: str = "FIRST_ROW"
    csv_headers: tuple[str, ...] | None = None
    csv_delimiter: str = "COMMA"
    max_items: Any = None
    max_items_path: Expression | None = None


@dataclass(frozen=True)
class ItemBatcher:
    """A Distributed Map's ItemBatcher: each iteration gets `{"Items": [...]}` plus BatchInput."""

    max_items_per_batch: Any = None
    max_items_per_batch_path: Expression | None = None
    max_input_bytes_per_batch: Any = None
    max_input_bytes_per_batch_path: Expression | None = None
    batch_input: Any = None


@dataclass(frozen=True)
class ResultWriter:
    """A Distributed Map's ResultWriter (`s3:putObject`): Parameters/Arguments name the
    Bucket and Prefix."""

    parameters: Any = None


@dataclass(frozen=True)
class MapState(ResultState):
    """Map: runs `processor` once per item (inline, or distributed over child executions)."""

    processor: Machine | None = None
    mode: str = "INLINE"
    items_path: Any = None
    items: Any = None
    item_selector: Any = None
    max_concurrency: Any = 0
    max_concurrency_path: Expression | None = None
    tolerated_failure_count: Any = 0
    tolerated_failure_count_path: Expression | None = None
    tolerated_failure_percentage: Any = 0.0
    tolerated_failure_percentage_path: Expression | None = None
    item_reader: ItemReader | None = None
    item_batcher: ItemBatcher | None = None
    result_writer: ResultWriter | None = None
    label: str | None = None

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
