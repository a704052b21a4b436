"""Run a state machine in-process, for tests: activities are plain callables, time is virtual.

Wait states and retry delays are skipped on a virtual clock; Parallel branches and Map
iterations run as child runs, one after another in index order; a Task's TimeoutSeconds ends
the task without waiting for a slow activity. Nothing is durable: this is the test driver.
"""

from __future__ import annotations

import heapq
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
from typing import Any

from engine import integrations
from engine.activities import ActivityContext, error_from_exception, registered
from engine.buckets.local import LocalBuckets
from engine.buckets.storage import BucketStorage
from engine.core import advance
from engine.core.context import iso
from engine.core.dataflow import payload_problem
from engine.core.effects import (
    Finish,
    RunTask,
    StartChildren,
    StartTimer,
    tolerance_exceeded,
)
from engine.core.env import Env, ExecutionEnv
from engine.core.event_ids import previous_event_id
from engine.core.item_requests import MapStorage
from engine.core.triggers import (
    ChildFailed,
    ChildrenDone,
    Start,
    TaskFailed,
    TaskSucceeded,
    TaskTimedOut,
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
from engine.mock_config import Invocations, check_states, load_test_case
from engine.runtime import config as settings

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
        known.get,
        lambda: sorted(known),
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
    loaded = load_test_case(config, name, case)
    where = "the mock config" if isinstance(config, Mapping) else f"mock config {config}"
    check_states(loaded, {state for state, _ in integrations.task_states(data)}, where)
    return Invocations(loaded)


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
        timers: list[tuple[datetime, int, str]] = []
        step = advance(machine, None, start, self.step_env)
        if machine is self.root:
            execution = step.snapshot["context"]["Execution"]
            self.execution_id, self.execution_input = execution["Id"], execution["Input"]
        for sequence in range(MAX_STEPS):
            self.record(step.events, history)
            for effect in step.effects:
                if isinstance(effect, Finish):
                    return effect
                if isinstance(effect, StartTimer):
                    heapq.heappush(timers, (effect.at, sequence, effect.timer_id))
                elif isinstance(effect, RunTask):
                    triggers.append(self.run_task(effect))
                elif isinstance(effect, StartChildren):
                    triggers.append(self.run_children(effect, history))
            if triggers:
                trigger = triggers.popleft()
            elif timers:
                at, _, timer_id = heapq.heappop(timers)
                self.skip_clock_to(at)
                trigger = TimerFired(timer_id)
            else:
                raise RuntimeError("the run waits for nothing the in-memory driver can give")
            step = advance(machine, _stored(step.snapshot), trigger, self.step_env)
        raise RuntimeError(f"the run did not finish within {MAX_STEPS} steps")

    def skip_clock_to(self, moment: datetime) -> None:
        """Move a virtual clock on; an Env without `skip_to` keeps its own time."""
        skip_to = getattr(self.env, "skip_to", None)
        if skip_to is not None:
            skip_to(moment)

    def run_task(self, task: RunTask) -> Trigger:
        if self.mocks is not None and task.state_name in self.mocks:
            answer = self.mocks.next_answer(task.state_name)
            if answer.fails:
                return TaskFailed(task.token, answer.error, answer.cause)
            return TaskSucceeded(task.token, answer.result)
        try:
            runner = integrations.runner(
                task.resource,
                task.input,
                self.activities.get,
                lambda: sorted(self.activities),
                self.children,
                settings=self.config,
            )
        except (UnknownResource, UnhandledResource) as error:
            return TaskFailed(task.token, "States.TaskFailed", str(error))
        outcome: dict[str, Any] = {}
        beats = threading.Event()
        context = ActivityContext(
            execution_id=self.execution_id or "",
            state_name=task.state_name,
            attempt=task.attempt + 1,
            idempotency_key=task.idempotency_key,
            task_token=task.token,
            heartbeat=beats.set,
        )

        def call() -> None:
            try:
                outcome["output"] = runner(task.input, context)
            except integrations.TaskFailure as failure:
                outcome["error"] = (failure.error, failure.cause)
            except Exception as error:
                outcome["error"] = error_from_exception(error)

        worker = threading.Thread(target=call, name=f"activity {task.resource}", daemon=True)
        worker.start()
        timed_out = _await_activity(worker, beats, task.timeout_seconds, task.heartbeat_seconds)
        if timed_out is not None:
            return TaskTimedOut(task.token, timed_out)
        if "error" in outcome:
            return TaskFailed(task.token, *outcome["error"])
        return TaskSucceeded(task.token, outcome["output"])

    def run_children(self, request: StartChildren, history: list | None) -> Trigger:
        """Run every child in index order; stop at the failure the tolerance cannot absorb."""
        results: list[Json] = []
        ended: dict[int, Json] = {}
        failed: list[int] = []
        total = len(request.children)
        for child in request.children:
            machine = self.root.find(child.machine_path)
            # Distributed Map iterations are executions of their own, outside this history.
            child_history = history if machine.mode == "INLINE" else None
            finish = self.execute(machine, Start(child.input, child.context), child_history)
            if finish.status == "SUCCEEDED":
                results.append(finish.output)
                ended[child.index] = finish.output
                continue
            failed.append(child.index)
            ended[child.index] = {"Error": finish.error, "Cause": finish.cause}
            count = request.tolerated_failure_count
            percentage = request.tolerated_failure_percentage
            if tolerance_exceeded(len(failed), total, count, percentage):
                return ChildFailed(child.index, finish.error, finish.cause, ended, tuple(failed))
            results.append(ended[child.index])
        return ChildrenDone(results, tuple(failed))


def _await_activity(
    worker: threading.Thread, beats: threading.Event, timeout: int | None, heartbeat: int | None
) -> str | None:
    """Wait for the activity thread; "timeout" or "heartbeat" when it ran out of time.

    These are real seconds: an activity's own work is not on the virtual clock.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        remaining = None if deadline is None else max(deadline - time.monotonic(), 0)
        wait = heartbeat if remaining is None else min(remaining, heartbeat or remaining)
        worker.join(wait)
        if not worker.is_alive():
            return None
        if deadline is not None and time.monotonic() >= deadline:
            return "timeout"
        if heartbeat is not None and not beats.is_set():
            return "heartbeat"
        beats.clear()


def _stored(snapshot: Json) -> Json:
    """The snapshot as a durable store gives it back (JSON), so tests catch what would not keep."""
    return json.loads(json.dumps(snapshot))
