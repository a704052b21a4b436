"""`Engine`: the Python API for durable executions (start, describe, history, wait, stop...).

The CLI's execution commands are thin wrappers over these methods; workers do the running.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis

from engine.activities import Registry
from engine.core.dataflow import data_problem, oversize_problem, payload_problem
from engine.core.triggers import Redrive, TaskFailed, TaskHeartbeat, TaskSucceeded
from engine.definition import load_definition, validate
from engine.definition.source import state_machine_name
from engine.definition.substitutions import require_filled
from engine.definition.unsupported import require_supported
from engine.errors import DefinitionError, SfnError, UsageError
from engine.integrations import check as check_tasks
from engine.language.json_data import loads
from engine.runtime import config as settings
from engine.runtime import keys, nested, retention, tokens
from engine.runtime.activity_tasks import Activities
from engine.runtime.config import RuntimeConfig
from engine.runtime.connection import connect
from engine.runtime.requests import HeartbeatRequest, RedriveRequest, TaskResultRequest
from engine.runtime.runtime import Runtime
from engine.runtime.server import resolve_redis_url
from engine.runtime.starting import Started, open_execution
from engine.runtime.state_machines import StateMachines
from engine.runtime.store import (
    FINAL_STATUSES,
    REDRIVABLE,
    definition_digest,
    dumps,
    parse_execution,
)

Json = Any
DEFAULT_STATE_MACHINE = "StateMachine"
NAME = re.compile(r"[A-Za-z0-9_.\-]{1,80}")


class TaskNotAwaited(SfnError):
    """A task token that is unknown, or whose task has already finished (AWS's TaskTimedOut)."""


class ExecutionNotRedrivable(SfnError):
    """AWS's ExecutionNotRedrivable: the message is AWS's `redriveStatusReason`."""


REDRIVABLE_DAYS = 14  # AWS: a redrive within 14 days of the execution's end
MAX_OPEN_DAYS = 365  # AWS: an execution is open at most one year, redrives included
# AWS: a redriven execution needs room for ExecutionRedriven and at least one more event.
REDRIVE_HISTORY_LIMIT = 24_999


class Engine:
    """Durable executions in one Redis database (`redis_url`, $SFN_REDIS_URL or embedded).

    `activities` are the activities and handlers this process runs (none when not given): a
    start checks the Resources against them, and their `@activity(queue=)` routes send the
    Tasks it schedules."""

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        client: redis.Redis | None = None,
        config: RuntimeConfig | None = None,
        activities: Registry | None = None,
    ):
        config = config or settings.current()  # a bad setting stops here, before any I/O
        self.activities = activities if activities is not None else Registry()
        config = config.with_routes(self.activities.routes())
        if client is None:
            client = connect(resolve_redis_url(redis_url))
        self.redis = client
        self.runtime = Runtime(client, config=config)
        self.store = self.runtime.store
        self.state_machines = StateMachines(client, self.store)
        self.activity_tasks = Activities(client, self.runtime)
        # Digests of definitions this engine has validated: validation is pure and costs more
        # than a start (20 ms for a 100-state machine), so each definition is checked once.
        self._validated: set[str] = set()

    # Starting -------------------------------------------------------------------------------

    def start_execution(
        self,
        definition: Json,
        input: Json = None,
        name: str | None = None,
        *,
        state_machine: str | None = None,
        check_resources: bool | None = None,
        substitutions: Mapping[str, str] | None = None,
    ) -> str:
        """Start an execution and return its id (same name and input: the existing one).

        `definition` is a path, YAML/JSON text or a dict; `input` is JSON data or JSON text
        (or a `Payload`, checked already).
        Resources are checked against the engine's activities and handlers when it has any,
        or when `check_resources` is True. `substitutions` fill `${Name}`
        placeholders.
        """
        return self.start(
            definition,
            input,
            name,
            state_machine=state_machine,
            check_resources=check_resources,
            substitutions=substitutions,
        ).execution

    def start(
        self,
        definition: Json,
        input: Json = None,
        name: str | None = None,
        *,
        state_machine: str | None = None,
        check_resources: bool | None = None,
        substitutions: Mapping[str, str] | None = None,
        parent: Mapping[str, str] | None = None,
    ) -> Started:
        """`start_execution`, telling also when the execution started (no read needed).
        `parent` marks a nested execution (`parentToken`, `parentPattern`): its end is reported
        to the Task that started it (`engine.runtime.nested`)."""
        data, digest, default_name = _load(definition, self._validated, substitutions)
        payload = check_payload(input)
        machine_name = check_name(state_machine or default_name, "state machine")
        _check_resources(data, check_resources, self.activities)
        name = check_name(name or str(uuid.uuid4()), "execution")
        return open_execution(
            self.runtime, data, digest, payload.value, machine_name, name, parent, payload.text
        )

    def start_state_machine(
        self,
        state_machine: str,
        input: Json = None,
        name: str | None = None,
        *,
        check_resources: bool | None = None,
    ) -> Started:
        """Start the state machine created under that name (CreateStateMachine), with its
        current definition; StateMachineDoesNotExist when there is none."""
        machine = self.state_machines.get(state_machine)
        data = self.state_machines.definition(machine)
        return self.start(
            data, input, name, state_machine=state_machine, check_resources=check_resources
        )

    # Reading --------------------------------------------------------------------------------

    def describe(self, ref: str) -> dict[str, Json]:
        """AWS DescribeExecution's fields (input/output as JSON text) plus `executionId`."""
        execution = parse_execution(ref)
        return self._described(execution, self.store.meta(execution))

    def _described(
        self, execution: str, meta: dict[str, str], events: int | None = None
    ) -> dict[str, Json]:
        """`describe` from the execution's `meta` (and its history's length when read)."""
        fields = (
            "executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate",
            "input", "output", "error", "cause", "redriveCount", "redriveDate",
        )  # fmt: skip
        described: dict[str, Json] = {"executionId": execution}
        described.update({key: meta[key] for key in fields if key in meta})
        described["redriveCount"] = int(meta.get("redriveCount", "0"))
        # Not AWS's: Task deliveries sent again after a lost worker (the history shows each).
        described["redeliveryCount"] = int(meta.get("redeliveryCount", "0"))
        reason = self._not_redrivable(execution, meta, events)
        described["redriveStatus"] = "NOT_REDRIVABLE" if reason else "REDRIVABLE"
        if reason:
            described["redriveStatusReason"] = reason
        return described

    def _not_redrivable(
        self, execution: str, meta: dict[str, str], events: int | None = None
    ) -> str | None:
        """Why RedriveExecution would refuse this execution (AWS's wording), or None;
        `events`: its history's length, when read already."""
        status = meta["status"]
        if status not in REDRIVABLE:
            return f"Execution is {status} and cannot be redriven."
        now = self.runtime.env.now()
        if now - parse_time(meta["startDate"]) > timedelta(days=MAX_OPEN_DAYS):
            return "Execution has exceeded the max execution time."
        stopped = meta.get("stopDate")
        if stopped and now - parse_time(stopped) > timedelta(days=REDRIVABLE_DAYS):
            return "Execution redrivable period exceeded."
        if events is None:
            events = self.store.history_length(execution)
        if events >= REDRIVE_HISTORY_LIMIT:
            return "Execution history event limit exceeded."
        return None

    def history(self, ref: str, *, reverse: bool = False) -> list[Json]:
        execution = parse_execution(ref)
        self.store.meta(execution)
        events = self.store.history(execution)
        return events[::-1] if reverse else events

    def list_executions(
        self, state_machine: str | None = None, status: str | None = None, limit: int = 100
    ) -> list[dict[str, Json]]:
        rows = self.store.list_executions(state_machine, status, limit)
        return [self.describe(row["executionArn"]) for row in rows]

    def wait(self, ref: str, timeout: float | None = None) -> dict[str, Json]:
        """Block until the execution ends (or `timeout` seconds pass) and describe it."""
        execution = parse_execution(ref)
        deadline = None if timeout is None else time.monotonic() + timeout
        described = self.describe(execution)  # an unknown or ended execution: at once
        while described["status"] not in FINAL_STATUSES:
            left = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if left <= 0:
                break
            # Re-described in the round trip that learns of the end (not one more after it).
            meta, events = self.store.meta_once_done(execution, max(left, 0.01))
            described = self._described(execution, meta, events)
        return described

    # Changing -------------------------------------------------------------------------------

    def stop(self, ref: str, error: str | None = None, cause: str | None = None) -> Json:
        """StopExecution: the execution ends ABORTED (a finished one is left as it is)."""
        execution = parse_execution(ref)
        self.store.meta(execution)
        nested.stop(self.runtime, execution, error, cause)  # and the children it waits for
        return self.describe(execution)

    def redrive(self, ref: str) -> Json:
        """RedriveExecution: continue a FAILED, TIMED_OUT or ABORTED execution from the state
        it ended in; of a Map or Parallel state, only the children that did not succeed run
        again (the others' outputs were kept at the end)."""
        execution = parse_execution(ref)
        reason = self._not_redrivable(execution, self.store.meta(execution))
        if reason:
            raise ExecutionNotRedrivable(f"{execution}: {reason}")
        raw = self.redis.hgetall(keys.redrive_results(execution))
        kept = {int(index): json.loads(output) for index, output in raw.items()}
        runs = retention.run_histories(self.redis, execution)
        # The commit is guarded by the status read: of two redrives at once, one wins.
        request = RedriveRequest(execution, Redrive(kept), tuple(runs))
        if not self.runtime.advance(request).committed:
            status = self.store.meta(execution)["status"]
            raise ExecutionNotRedrivable(
                f"{execution}: Execution is {status} and cannot be redriven."
            )
        described = self.describe(execution)
        if described["status"] in FINAL_STATUSES:
            retention.match_expiry(self.redis, execution, runs)
        return described

    def purge(
        self,
        older_than: float | timedelta | None = None,
        status: str | None = None,
        state_machine: str | None = None,
    ) -> int:
        """Delete finished executions now (all their keys and index entries): those that
        ended at least `older_than` ago (seconds or a timedelta), in `status`, of
        `state_machine`. Running executions are never touched. Returns how many went."""
        if isinstance(older_than, timedelta):
            older_than = older_than.total_seconds()
        only = retention.PurgeFilter(older_than, status, state_machine)
        return retention.purge(self.redis, only, self.runtime.env.now().timestamp())

    def send_task_success(self, token: str, output: Json) -> None:
        """Complete a callback task with `output` (JSON data; AWS refuses anything else)."""
        problem = payload_problem(output, "the task output")
        if problem is not None:
            raise UsageError(problem)
        self._complete(TaskSucceeded(token, output))

    def send_task_failure(self, token: str, error: str | None = None, cause: str | None = None):
        self._complete(TaskFailed(token, error, cause))

    def _complete(self, result: TaskSucceeded | TaskFailed) -> None:
        execution, run = self._awaiting(result.token)
        if not self.runtime.advance(TaskResultRequest(execution, run, result)).committed:
            raise _not_awaited(result.token)

    def send_task_heartbeat(self, token: str) -> None:
        """The callback task behind `token` is alive (its HeartbeatSeconds timer moves on)."""
        execution, run = self._awaiting(token)
        if self.runtime.advance(HeartbeatRequest(execution, run, TaskHeartbeat(token))).committed:
            return
        if not self.runtime.awaits_task(execution, run, token):  # else: no HeartbeatSeconds
            raise _not_awaited(token)

    def _awaiting(self, token: str) -> tuple[str, str]:
        raw = self.redis.get(keys.token(token))
        if raw is None:
            raise _not_awaited(token)
        return tokens.awaiting(raw)


def _not_awaited(token: str) -> TaskNotAwaited:
    return TaskNotAwaited(
        f"task token ref {tokens.ref(token)} is not awaited: unknown, or its task already finished"
    )


def parse_time(text: str) -> datetime:
    """A stored ISO 8601 time ("2026-01-02T03:04:05.678Z")."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_name(name: str, what: str) -> str:
    """AWS's rule for names: 1-80 characters, no spaces, brackets, wildcards or punctuation
    that would be ambiguous in an ARN or a Redis key."""
    if not NAME.fullmatch(name):
        raise UsageError(f"invalid {what} name {name!r}: use 1-80 letters, digits, '-', '_' or '.'")
    return name


@dataclass(frozen=True)
class Payload:
    """An execution input (or task output) found good by `check_payload`, with its compact
    JSON text: what stores it uses that text (it is not checked or printed again)."""

    value: Json
    text: str


def check_payload(value: Json, what: str = "input") -> Payload:
    """Execution input (or a task output) from JSON data or JSON text: strict JSON, within
    the nesting limit and AWS's payload limit, else UsageError naming `what`. A `Payload`
    is checked already: given back as it is."""
    if isinstance(value, Payload):
        return value
    if isinstance(value, str | bytes):
        try:
            value = loads(value)  # which checks it is JSON data
        except ValueError as error:
            raise UsageError(f"{what} is not valid JSON: {error}") from None
    elif (problem := data_problem(value, what)) is not None:
        raise UsageError(problem)
    text = dumps(value)
    if (problem := oversize_problem(text, what)) is not None:
        raise UsageError(problem)
    return Payload(value, text)


def parse_input(value: Json, what: str = "input") -> Json:
    """`check_payload`'s value."""
    return check_payload(value, what).value


def _load(
    definition: Json, validated: set[str], substitutions: Mapping[str, str] | None = None
) -> tuple[Json, str, str]:
    """Plain, validated definition data, its content hash and the state machine name it
    suggests.

    `validated` holds the digests of definitions already found valid; it grows here.
    """
    name = DEFAULT_STATE_MACHINE
    if stem := state_machine_name(definition):
        name = re.sub(r"[^A-Za-z0-9_.\-]", "-", stem)[:80] or name
    document = load_definition(definition, substitutions=substitutions)
    digest = definition_digest(document.data)
    if digest not in validated:
        problems = [d for d in validate(document) if d.severity == "error"]
        if problems:
            raise DefinitionError(problems)
        require_filled(document)
        require_supported(document)
        validated.add(digest)
    return document.data, digest, name


def _check_resources(data: Json, check: bool | None, activities: Registry) -> None:
    """Refuse a definition whose Tasks nothing registered here runs: when told to, or when the
    engine has activities or handlers (else remote workers may have them)."""
    registered = len(activities) or len(activities.handlers)
    if check is False or (check is None and not registered):
        return
    check_tasks(data, activities)
