"""The Redis store: definitions, executions, runs, history and indexes (reads and creation).

Every write that advances an execution goes through `engine.runtime.commit`; this module holds
the data shapes and the few writes that are not steps (storing a definition, claiming a name).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from engine.core.event_ids import LOOKBACK, numbered
from engine.errors import SfnError
from engine.language.json_text import compact
from engine.runtime import keys
from engine.runtime.group_records import GroupRecord

Json = Any
ROOT = "root"
RUNNING = "RUNNING"
FINAL_STATUSES = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")
ARN_PREFIX = "arn:aws:states:local:000000000000"
# The `meta` fields a step reads (the input and output may weigh 256 KiB each: not those).
# parentPattern: a nested execution whose end its parent is told of (engine.runtime.nested).
STEP_FIELDS = ("status", "definition", "startEpoch", "redriveCount", "parentPattern")


@dataclass
class Reads:
    """What one step reads, in one round trip."""

    meta: dict[str, str]
    raw_run: bytes | None
    group: GroupRecord | None  # the run's own group (a child run; None: gone or a root run)
    delivered: GroupRecord | None  # the group being delivered to this run (None: gone or none)
    live: dict[str, str]  # the execution's open groups and awaited tokens (root runs only)
    # `raw_run` parsed: by the first `run()`, or by the commit that wrote it (no re-parse).
    loaded: Run | None = None

    def run(self, run_id: str) -> Run | None:
        """The run record read (None: absent), parsed once."""
        if self.loaded is None and self.raw_run is not None:
            self.loaded = Run.load(run_id, self.raw_run)
        return self.loaded


class ExecutionAlreadyExists(SfnError):
    """A name was reused with a different input (AWS's ExecutionAlreadyExists)."""

    exit_code = 1


class ExecutionDoesNotExist(SfnError):
    """No execution has that id or ARN (AWS's ExecutionDoesNotExist)."""

    exit_code = 1


@dataclass
class Run:
    """One run's stored record: its machine inside the definition, its group and snapshot."""

    id: str
    machine_path: tuple[str | int, ...] = ()
    group: str | None = None
    index: int | None = None
    snapshot: Json = None

    def dump(self, output: str | None = None) -> str:
        """The record as JSON text; `output`: the snapshot's `output` as JSON text, printed
        already (an ended run's, `Finish.encoded`), spliced in rather than encoded again."""
        snapshot = self.snapshot
        if output is not None:
            snapshot = {key: value for key, value in snapshot.items() if key != "output"}
        # The version comes first: commits compare this prefix to guard against stale writers.
        text = dumps(
            {
                "v": (self.snapshot or {}).get("version", 0),
                "machinePath": list(self.machine_path),
                "group": self.group,
                "index": self.index,
                "snapshot": snapshot,
            }
        )
        if output is None:
            return text
        # The snapshot is the record's last field: its output goes last inside it.
        comma = "," if snapshot else ""
        return f'{text[:-2]}{comma}"output":{output}}}}}'

    def awaits_task(self, token: str) -> bool:
        """Whether this run still waits for the task behind `token` (no result committed)."""
        snapshot = self.snapshot or {}
        awaited = snapshot.get("awaiting") or {}
        running = snapshot.get("status") == RUNNING
        return running and awaited.get("kind") == "task" and awaited.get("token") == token

    @classmethod
    def load(cls, run_id: str, raw: bytes | None) -> Run | None:
        if raw is None:
            return None
        data = json.loads(raw)
        return cls(
            run_id, tuple(data["machinePath"]), data["group"], data["index"], data["snapshot"]
        )


def child_run_id(group_id: str, index: int) -> str:
    """A child run's id: its group and its index (Map item or Parallel branch)."""
    return f"{group_id}.{index}"


def group_of(run_id: str) -> str | None:
    """The group a run id belongs to (None for the root run)."""
    group_id, dot, _ = run_id.rpartition(".")
    return group_id if dot else None


# Compact JSON text, as stored in Redis (the one encoder history payloads use too).
dumps: Callable[[Json], str] = compact


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def execution_id(state_machine: str, name: str) -> str:
    """An execution's id: its state machine and its name, unique together as on AWS."""
    return f"{state_machine}:{name}"


def state_machine_of(execution: str) -> str:
    """The state machine an execution id names (its part before the first colon)."""
    return execution.partition(":")[0]


def execution_arn(execution: str) -> str:
    return f"{ARN_PREFIX}:execution:{execution}"


def parse_execution(ref: str) -> str:
    """An execution id from an id or an ARN."""
    prefix = f"{ARN_PREFIX}:execution:"
    return ref[len(prefix) :] if ref.startswith(prefix) else ref


def definition_digest(data: Json) -> str:
    """The content hash that names a definition version."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Store:
    """Reads and the non-step writes of sfn's data in one Redis database."""

    def __init__(self, client: redis.Redis):
        self.redis = client

    # Definitions ----------------------------------------------------------------------------

    @staticmethod
    def put_definition(pipe: Any, digest: str, data: Json) -> None:
        """Add storing a definition under its content hash `digest` to `pipe` (a start's
        commit): immutable, the first writer wins."""
        pipe.set(keys.definition(digest), dumps(data), nx=True)

    def definition(self, digest: str) -> Json:
        raw = self.redis.get(keys.definition(digest))
        if raw is None:
            raise SfnError(f"definition {digest} is missing from the store")
        return json.loads(raw)

    # Executions -----------------------------------------------------------------------------

    def meta(self, execution: str) -> dict[str, str]:
        """The execution's stored description, as text fields; raises if there is none."""
        return _meta(execution, self.redis.hgetall(keys.meta(execution)))

    def meta_once_done(self, execution: str, seconds: float) -> tuple[dict[str, str], int]:
        """The execution's description and history length once it has ended, or once
        `seconds` pass (a blocking move on its done list, which keeps its marker for other
        waiters): the reads are sent with the move and answered after it, so that the end
        costs its waiter one round trip. Raises if the execution is gone."""
        done = keys.done(execution)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.blmove(done, done, seconds, "RIGHT", "LEFT")
            pipe.hgetall(keys.meta(execution))
            pipe.llen(keys.history(execution))
            _, raw, length = pipe.execute()
        return _meta(execution, raw), int(length)

    def input(self, execution: str) -> Json:
        """The execution's input (what child runs see as `$$.Execution.Input`)."""
        raw = self.redis.hget(keys.meta(execution), "input")
        if raw is None:
            raise ExecutionDoesNotExist(f"execution {execution!r} does not exist")
        return json.loads(raw)

    def run(self, execution: str, run_id: str) -> Run | None:
        return Run.load(run_id, self.redis.get(keys.run(execution, run_id)))

    def history(self, execution: str, start: int = 0, stop: int | None = None) -> list[Json]:
        """History events from position `start` (up to `stop`, excluded), with AWS's
        id/previousEventId filled in."""
        first = max(start - LOOKBACK, 0)
        last = -1 if stop is None else stop - 1
        if stop is not None and stop <= start:
            return []
        raw = self.redis.lrange(keys.history(execution), first, last)
        events = numbered((json.loads(item) for item in raw), first + 1)
        return list(events)[start - first :]

    def history_length(self, execution: str) -> int:
        return int(self.redis.llen(keys.history(execution)))

    def list_executions(
        self,
        state_machine: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, str]]:
        """The newest executions first, filtered by state machine and/or status."""
        index = keys.by_state_machine(state_machine) if state_machine else keys.EXECUTIONS
        if status and not state_machine:
            index = keys.by_status(status)
        found = []
        for raw in self.redis.zrevrange(index, 0, -1):
            meta = self.redis.hgetall(keys.meta(raw.decode()))
            row = {key.decode(): value.decode() for key, value in meta.items()}
            if row and (status is None or row.get("status") == status):
                found.append(row)
                if len(found) >= limit:
                    break
        return found

    def execution_ids(self, state_machine: str | None, start: int, count: int) -> list[str]:
        """Execution ids, newest first, from position `start` of the (state machine's) index."""
        index = keys.by_state_machine(state_machine) if state_machine else keys.EXECUTIONS
        return [raw.decode() for raw in self.redis.zrevrange(index, start, start + count - 1)]

    def metas(self, executions: list[str]) -> list[dict[str, str]]:
        """The stored descriptions of many executions in one round trip ({} for a gone one)."""
        with self.redis.pipeline(transaction=False) as pipe:
            for execution in executions:
                pipe.hgetall(keys.meta(execution))
            replies = pipe.execute()
        return [{key.decode(): value.decode() for key, value in raw.items()} for raw in replies]

    # Groups ---------------------------------------------------------------------------------

    def group(self, execution: str, group_id: str) -> dict[str, str]:
        raw = self.redis.hgetall(keys.group(execution, group_id))
        return {key.decode(): value.decode() for key, value in raw.items()}


def _meta(execution: str, raw: dict[bytes, bytes]) -> dict[str, str]:
    if not raw:
        raise ExecutionDoesNotExist(f"execution {execution!r} does not exist")
    return {key.decode(): value.decode() for key, value in raw.items()}
