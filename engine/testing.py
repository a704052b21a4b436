"""Run a state machine in-process, for tests: activities are plain callables, time is virtual.

Wait states and retry delays are skipped on a virtual clock; Parallel branches and Map
iterations run as child runs, one after another in index order, until the group's outcome is
known (`engine.core.joins` decides it, as for the durable runtime). A Task's TimeoutSeconds and
HeartbeatSeconds are the core's timers; while the activity runs they fall due in real seconds,
so a slow activity is not waited for. Nothing is durable: this is the test driver.
"""

from __future__ import annotations

import json
import random as random_module
import threading
import time
import uuid as uuid_module
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from engine import integrations
from engine.activities import ActivityContext, default_registry, error_from_exception, registered
from engine.buckets.local import LocalBuckets
from engine.buckets.storage import BucketStorage
from engine.core import advance, joins
from engine.core.context import iso
from engine.core.dataflow import payload_problem
from engine.core.effects import (
    ATTEMPT_TIMERS,
    CancelTimer,
    Finish,
    RunTask,
    StartChildren,
    StartTimer,
)
from engine.core.env import Env, ExecutionEnv
from engine.core.event_ids import previous_event_id
from engine.core.item_requests import MapStorage
from engine.core.triggers import (
    Start,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
    Trigger,
)
from engine.definition import load_definition, validate
from engine.definition.compiler import compile_machine
from engine.definition.model import Machine
from engine.definition.source import state_machine_name
from engine.definition.substitutions import require_filled
from engine.definition.unsupported import require_supported
from engine.errors import DefinitionError, UnhandledResource, UnknownResource, UsageError
from engine.integrations.settings import IntegrationSettings
from engine.integrations.start_execution import missing, workflow_file
from engine.language.values import dumps
from engine.runtime import config as settings

if TYPE_CHECKING:
    from engine.mock_config import Invocations  # imported by a run with a mock config only

DEFAULT_STATE_MACHINE = "StateMachine"

Json = Any
Activity = Callable[[Json], Json]
MAX_STEPS = 100_000


@dataclass(frozen=True)
class Result:
    """How an in-memory execution ended, with its AWS-shaped history."""

    status: str
    output: Json = None
    error: str | None = None
    cause: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    execution_id: str | None = None


class VirtualEnv:
    """An Env whose clock only moves when the driver skips ahead; seeded randomness and ids."""

    def __init__(self, start: datetime | None = None, seed: int | None = None):
        self.clock = start or datetime.now(UTC)
        self._random = random_module.Random(seed)

    def now(self) -> datetime:
        return self.clock

    def random(self) -> float:
        return self._random.random()

    def uuid(self) -> str:
        return str(uuid_module.UUID(int=self._random.getrandbits(128), version=4))

    def token(self) -> str:
        return f"{self._random.getrandbits(128):032x}"

    def skip_to(self, moment: datetime) -> None:
        self.clock = max(self.clock, moment)


def run(
    definition: Mapping[str, Json] | str | PurePath,
    input: Json = None,
    activities: Mapping[str, Activity] | None = None,
    *,
    env: Env | None = None,
    context: dict[str, Json] | None = None,
    substitutions: Mapping[str, str] | None = None,
    mock_config: str | PurePath | Mapping[str, Json] | None = None,
    test_case: str | None = None,
    state_machine: str | None = None,
    buckets: str | PurePath | None = None,
) -> Result:
    """Run `definition` with `input` to its end and return the Result.

    The definition is validated first (DefinitionError lists every problem), and the input
    as the durable API checks it (UsageError: not JSON data, or over the payload limit).
    `activities` maps a Task's Resource to a callable taking the task input; registered
    activities (`@activity`) are used for names it does not give. `substitutions` fill the
    definition's `${Name}` placeholders (every one must be filled). `mock_config` (a
    MockConfigFile of Step Functions Local, path or data) and `test_case` answer the Tasks the
    test case names without running anything. The state machine's name (`$$.StateMachine`,
    and the mock config's key) is `state_machine`, else the file's name without `.asl` and its
    suffix, else "StateMachine". A Distributed Map's ItemReader and ResultWriter use the
    buckets under the folder `buckets` (default: RuntimeConfig's: S3 with $SFN_BUCKETS=s3,
    else the folder $SFN_BUCKETS_DIR or ./buckets). Nested executions' files are in the
    process settings' workflows folder (`--workflows`, `$SFN_WORKFLOWS`, else ./workflows).
    """
    document = load_definition(definition, substitutions=substitutions)
    problems = [problem for problem in validate(document) if problem.severity == "error"]
    if problems:
        raise DefinitionError(problems)
    require_filled(document)
    require_supported(document)
    problem = payload_problem(input, "input")
    if problem is not None:
        raise UsageError(problem)  # as the durable API refuses it
    machine = compile_machine(document.data)
    known = {**registered(), **(activities or {})}
    name = state_machine or state_machine_name(definition) or DEFAULT_STATE_MACHINE
    mocks = _mocks(document.data, mock_config, test_case, name)
    # An AWS resource nothing runs is refused now; a missing activity fails its Task.
    integrations.check(
        document.data,
        _Known(known),
        skip=lambda state: mocks is not None and state in mocks,
        activities=False,
    )
    process = settings.current()
    if buckets is not None:
        storage = BucketStorage(LocalBuckets(Path(buckets)))
    else:
        storage = BucketStorage.of(process.buckets_source, process.buckets_dir)
    driver = _Driver(machine, known, env or VirtualEnv(), mocks, storage, process)
    driver.children = _Children(known, driver.env, process)
    given = dict(context or {})
    given.setdefault("StateMachine", {"Name": name})
    finish = driver.execute(machine, Start(input, given), driver.history)
    return Result(
        finish.status,
        finish.output,
        finish.error,
        finish.cause,
        driver.history,
        driver.execution_id,
    )


def _mocks(
    data: Json, config: str | PurePath | Mapping[str, Json] | None, case: str | None, name: str
) -> Invocations | None:
    """The test case's mocked states, checked against the definition's Task states."""
    if config is None and case is None:
        return None
    if config is None or case is None:
        raise UsageError("a mock config needs a test case, and a test case a mock config")
    from engine.mock_config import Invocations, check_states, load_test_case

    loaded = load_test_case(config, name, case)
    where = "the mock config" if isinstance(config, Mapping) else f"mock config {config}"
    check_states(loaded, {state for state, _ in integrations.task_states(data)}, where)
    return Invocations(loaded)


@dataclass(frozen=True)
class _Known:
    """What a run's Tasks may call: activities by name (`run`'s over the `@activity` ones) and
    the `@integration` handlers of the default registry."""

    activities: Mapping[str, Activity]

    def lookup(self, name: str) -> Activity | None:
        return self.activities.get(name)

    def handler(self, resource: str) -> Callable[..., Any] | None:
        return default_registry.handler(resource)

    def names(self) -> list[str]:
        return sorted(self.activities)


class _Children:
    """Nested executions (states:startExecution) in memory: the state machine's file in the
    workflows folder, run to its end at once with the same activities and clock."""

    def __init__(self, activities: Mapping[str, Activity], env: Env, config: IntegrationSettings):
        self.activities = activities
        self.env = env
        self.config = config

    def start(self, request: integrations.ChildRequest) -> integrations.ChildStarted:
        path = workflow_file(request.state_machine, self.config.workflows)
        if path is None:
            raise missing(request.state_machine, self.config.workflows)
        started = iso(self.env.now())
        ended = run(
            path,
            request.input,
            self.activities,
            env=self.env,
            context={"Execution": {"Name": request.name}},
            state_machine=request.state_machine,
        )
        described = {
            "executionArn": ended.execution_id,
            "stateMachineArn": ended.execution_id.replace(":execution:", ":stateMachine:").rsplit(
                ":", 1
            )[0],
            "name": request.name,
            "status": ended.status,
            "startDate": started,
            "stopDate": iso(self.env.now()),
            "input": dumps(request.input),
            "output": None if ended.status != "SUCCEEDED" else dumps(ended.output),
            "error": ended.error,
            "cause": ended.cause,
        }
        return integrations.ChildStarted(ended.execution_id, started, described)


class _Driver:
    """Applies effects in-process until a run finishes; children run recursively."""

    def __init__(
        self,
        root: Machine,
        activities: Mapping[str, Activity],
        env: Env,
        mocks: Invocations | None,
        storage: MapStorage | None,
        config: IntegrationSettings,
    ):
        self.root = root
        self.mocks = mocks
        self.config = config
        self.children: integrations.Children | None = None
        self.activities = activities
        self.env = env
        # Child runs read `$$.Execution.Input` through the env: the root run's, once started.
        self.step_env = ExecutionEnv(env, lambda: self.execution_input, storage)
        self.execution_input: Json = None
        self.history: list[dict[str, Any]] = []
        self.execution_id: str | None = None

    def record(self, events: list[dict[str, Any]], history: list[dict[str, Any]] | None) -> None:
        if history is None:
            return
        for event in events:
            event_id = len(history) + 1
            last = history[-1] if history else None
            previous = previous_event_id(last, event, event_id, lambda i: history[i - 1])
            stamped = {"id": event_id, "previousEventId": previous}
            history.append({**stamped, "timestamp": iso(self.env.now()), **event})

    def execute(self, machine: Machine, start: Start, history: list | None) -> Finish:
        """Drive one run (the execution or a child) until its Finish effect."""
        triggers: deque[Trigger] = deque()
        timers = _Timers(self.env)
        attempt: _Attempt | None = None
        step = advance(machine, None, start, self.step_env)
        if machine is self.root:
            execution = step.snapshot["context"]["Execution"]
            self.execution_id, self.execution_input = execution["Id"], execution["Input"]
        for _ in range(MAX_STEPS):
            self.record(step.events, history)
            for effect in step.effects:
                if isinstance(effect, Finish):
                    return effect
                if isinstance(effect, StartTimer):
                    timers.start(effect)
                elif isinstance(effect, CancelTimer):
                    timers.cancel(effect.timer_id)
                elif isinstance(effect, RunTask):
                    started = self.start_task(effect)
                    if isinstance(started, _Attempt):
                        attempt = started
                        if effect.heartbeat_seconds:  # its clock starts with the activity
                            triggers.append(TaskHeartbeat(effect.token))
                    else:
                        triggers.append(started)
                elif isinstance(effect, StartChildren):
                    triggers.append(self.run_children(effect, history))
            if attempt is not None and _awaited_token(step.snapshot) != attempt.token:
                attempt = None  # it ended (a result, a timeout): a late activity is ignored
            step = advance(
                machine, _stored(step.snapshot), self.next(triggers, timers, attempt), self.step_env
            )
        raise RuntimeError(f"the run did not finish within {MAX_STEPS} steps")

    def next(self, triggers: deque[Trigger], timers: _Timers, attempt: _Attempt | None) -> Trigger:
        """What happens next: a pending trigger, else what the running activity does before
        its attempt's next timer, else the earliest timer on the virtual clock."""
        if triggers:
            return triggers.popleft()
        if attempt is not None:
            due = timers.next_attempt_timer()
            answer = attempt.next(None if due is None else due[1])
            if answer is not None:
                return answer
            timers.cancel(due[0])
            return TimerFired(due[0])
        if timers:
            timer_id, at = timers.pop_earliest()
            self.skip_clock_to(at)
            return TimerFired(timer_id)
        raise RuntimeError("the run waits for nothing the in-memory driver can give")

    def skip_clock_to(self, moment: datetime) -> None:
        """Move a virtual clock on; an Env without `skip_to` keeps its own time."""
        skip_to = getattr(self.env, "skip_to", None)
        if skip_to is not None:
            skip_to(moment)

    def start_task(self, task: RunTask) -> Trigger | _Attempt:
        """A mocked or unrunnable Task's answer at once, else its activity, started."""
        if self.mocks is not None and task.state_name in self.mocks:
            answer = self.mocks.next_answer(task.state_name)
            if answer.fails:
                return TaskFailed(task.token, answer.error, answer.cause)
            return TaskSucceeded(task.token, answer.result)
        try:
            runner = integrations.runner(
                task.resource,
                task.input,
                _Known(self.activities),
                self.children,
                settings=self.config,
            )
        except (UnknownResource, UnhandledResource) as error:
            return TaskFailed(task.token, "States.TaskFailed", str(error))
        attempt = _Attempt(task.token)
        context = ActivityContext(
            execution_id=self.execution_id or "",
            state_name=task.state_name,
            attempt=task.attempt + 1,
            idempotency_key=task.idempotency_key,
            task_token=task.token,
            heartbeat=attempt.heartbeat,
        )
        attempt.start(lambda: runner(task.input, context), f"activity {task.resource}")
        return attempt

    def run_children(self, request: StartChildren, history: list | None) -> Trigger:
        """Run the children one after another in index order (so MaxConcurrency never holds
        one back) until the group's outcome is known."""
        limits = joins.Limits.of(request)
        results: dict[int, Json] = {}
        failures: dict[int, joins.ChildError] = {}
        for child in request.children:
            machine = self.root.find(child.machine_path)
            # Distributed Map iterations are executions of their own, outside this history.
            child_history = history if machine.mode == "INLINE" else None
            finish = self.execute(machine, Start(child.input, child.context), child_history)
            if finish.status == "SUCCEEDED":
                results[child.index] = finish.output
                continue
            failures[child.index] = joins.ChildError(finish.error, finish.cause)
            if joins.group_failed(limits, len(failures)):
                break
        return joins.group_outcome(limits, results, failures)


@dataclass(frozen=True)
class _Pending:
    """A started timer: when it falls due (virtual), in which order it was started, and for
    a Task attempt's timer its deadline in real seconds (`time.monotonic`)."""

    at: datetime
    order: int
    real: float | None


class _Timers:
    """A run's pending timers by id: starting an id again moves it, a cancelled one goes.

    A Task attempt's timers (`ATTEMPT_TIMERS`) fall due in real seconds, as long after their
    start as on the virtual clock: an activity's own work is not on that clock."""

    def __init__(self, env: Env):
        self._env = env
        self._pending: dict[str, _Pending] = {}
        self._started = 0

    def __bool__(self) -> bool:
        return bool(self._pending)

    def start(self, timer: StartTimer) -> None:
        self._started += 1
        real = None
        if timer.kind in ATTEMPT_TIMERS:
            real = time.monotonic() + max((timer.at - self._env.now()).total_seconds(), 0.0)
        self._pending[timer.timer_id] = _Pending(timer.at, self._started, real)

    def cancel(self, timer_id: str) -> None:
        self._pending.pop(timer_id, None)

    def next_attempt_timer(self) -> tuple[str, float] | None:
        """The running attempt's timer that falls due first, and its real deadline."""
        due = [(p.real, name) for name, p in self._pending.items() if p.real is not None]
        if not due:
            return None
        real, timer_id = min(due)
        return timer_id, real

    def pop_earliest(self) -> tuple[str, datetime]:
        """The timer due first on the virtual clock (of two at once, the one started first)."""
        timer_id = min(self._pending, key=lambda n: (self._pending[n].at, self._pending[n].order))
        return timer_id, self._pending.pop(timer_id).at


class _Attempt:
    """A Task's activity running in a thread of its own; the driver waits for what it does."""

    def __init__(self, token: str):
        self.token = token
        self._wake = threading.Event()
        self._beat = False
        self._result: Trigger | None = None

    def start(self, call: Callable[[], Json], name: str) -> None:
        def body() -> None:
            try:
                self._result = TaskSucceeded(self.token, call())
            except integrations.TaskFailure as failure:
                self._result = TaskFailed(self.token, failure.error, failure.cause)
            except Exception as error:
                self._result = TaskFailed(self.token, *error_from_exception(error))
            self._wake.set()

        threading.Thread(target=body, name=name, daemon=True).start()

    def heartbeat(self) -> None:
        """`ActivityContext.heartbeat`, called from the activity's thread."""
        self._beat = True
        self._wake.set()

    def next(self, deadline: float | None) -> Trigger | None:
        """The activity's result or a heartbeat, whichever comes first; None when the real
        `deadline` (`time.monotonic`) comes before either."""
        while True:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            self._wake.wait(left)
            self._wake.clear()
            if self._result is not None:
                return self._result
            if self._beat:
                self._beat = False
                return TaskHeartbeat(self.token)
            if deadline is not None and time.monotonic() >= deadline:
                return None


def _awaited_token(snapshot: Json) -> str | None:
    awaited = snapshot.get("awaiting") or {}
    return awaited.get("token") if awaited.get("kind") == "task" else None


def _stored(snapshot: Json) -> Json:
    """The snapshot as a durable store gives it back (JSON), so tests catch what would not keep."""
    return json.loads(json.dumps(snapshot))
