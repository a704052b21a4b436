"""What tests read of sfn's Redis records, asked by meaning ("the timers of execution X", "the
run records of Y", "the jobs queued for activity Z") instead of key names and encodings.

The runtime's own `keys` and `timer_entries` answer, so a change of key layout or timer
encoding changes them (and this module), not the tests. Records are named by the `keys`
function that makes their key: `meta`, `history`, `run:<run id>`, `group_specs:<group id>`...
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import redis
from rq import Queue

from engine.runtime import keys
from engine.runtime.timer_entries import RetentionExpiry, TimerEntry, decode, encode

Json = Any
# An execution's records with one key each, and those named by a run, group or task token.
SINGLE = ("meta", "history", "live", "done", "children", "run_histories", "redrive_results")
NAMED = (
    "run",
    "run_history",
    "group",
    "group_specs",
    "group_results",
    "group_failures",
    "claimed_task",
)
# sfn's keys of no one execution, named by the `keys` constant or function that makes them
# (`keys.TIMERS_DUE` is a pub/sub channel, not a key).
GLOBAL = (
    "TIMERS",
    "EXECUTIONS",
    "STOPPED",
    "NAMED_STATE_MACHINES",
    "ACTIVITIES",
    "STATE_MACHINES",
    "METRICS",
    "REDELIVERED",
)
GLOBAL_NAMED = (
    "timer_claim",
    "definition",
    "state_machine",
    "activity",
    "by_state_machine",
    "versions",
    "by_status",
    "token",
)
# RQ's own keys begin so (they are RQ's to name, not sfn's).
RQ_PREFIX = "rq:"


def timers(client: redis.Redis, execution: str | None = None) -> list[TimerEntry]:
    """The pending timers (of `execution` only, when given), soonest first."""
    entries = [decode(member) for member in client.zrange(keys.TIMERS, 0, -1)]
    return [entry for entry in entries if execution is None or entry.execution == execution]


def work_timers(client: redis.Redis, execution: str | None = None) -> list[TimerEntry]:
    """`timers` without the ended executions' retention expiries (retention, not work)."""
    return [entry for entry in timers(client, execution) if not isinstance(entry, RetentionExpiry)]


def timer_kinds(client: redis.Redis, execution: str | None = None) -> list[str]:
    """The kinds of the pending work timers, sorted (`lease`, `job`, `timeout`...)."""
    return sorted(entry.kind for entry in work_timers(client, execution))


def due_at(client: redis.Redis, entry: TimerEntry) -> float | None:
    """When `entry` falls due (epoch seconds); None when it is not pending."""
    return client.zscore(keys.TIMERS, encode(entry))


def make_due(client: redis.Redis, entry: TimerEntry, at: float) -> None:
    """Set (or move) `entry` to fall due at `at`, as a dead worker's lease would."""
    client.zadd(keys.TIMERS, {encode(entry): at})


def records(client: redis.Redis, execution: str) -> set[str]:
    """The records the execution holds in Redis, named by kind (`run:root`, `meta`...); a key
    no `keys` function makes is named `unknown:<key>`."""
    return set(_keys_of(client, execution))


def record_ids(client: redis.Redis, execution: str, kind: str) -> set[str]:
    """The ids of the execution's records of one named kind: `run` gives its run ids."""
    found = (name.partition(":") for name in records(client, execution))
    return {ident for named, _, ident in found if named == kind and ident}


def record_ttls(client: redis.Redis, execution: str) -> dict[str, int]:
    """Each of the execution's records and its time to live in seconds (-1: it never
    expires)."""
    return {name: client.ttl(key) for name, key in _keys_of(client, execution).items()}


def run_record(client: redis.Redis, execution: str, run_id: str) -> Json:
    """A run's stored record (machine path, group, snapshot...) as JSON data; None if none."""
    raw = client.get(keys.run(execution, run_id))
    return None if raw is None else json.loads(raw)


def raw_run_record(client: redis.Redis, execution: str, run_id: str) -> bytes | None:
    """A run's record as stored, for tests of its encoding."""
    return client.get(keys.run(execution, run_id))


def group_record(client: redis.Redis, execution: str, group_id: str, kind: str) -> dict:
    """One of a group's hashes (`group`, `group_specs`, `group_results`, `group_failures`),
    field -> value, decoded."""
    key = getattr(keys, kind)(execution, group_id)
    return {k.decode(): v.decode() for k, v in client.hgetall(key).items()}


def listed_run_histories(client: redis.Redis, execution: str) -> set[str]:
    """The run ids whose histories an ended execution lists for retention and purge."""
    return {member.decode() for member in client.smembers(keys.run_histories(execution))}


def live_fields(client: redis.Redis, execution: str) -> dict[str, str]:
    """What the execution holds while it runs (`keys.live`): field -> value, decoded."""
    return {k.decode(): v.decode() for k, v in client.hgetall(keys.live(execution)).items()}


def awaited_child_tokens(client: redis.Redis, execution: str) -> list[str]:
    """The task tokens the execution's child runs await, sorted."""
    fields = live_fields(client, execution)
    return sorted(name[2:] for name in fields if name.startswith("t:"))


def token_records(client: redis.Redis) -> list[str]:
    """Every task token that still leads to an execution (for send-task-*)."""
    prefix, _, suffix = keys.token("\0").partition("\0")
    found = (key.decode() for key in client.scan_iter(_glob(prefix) + "*" + _glob(suffix)))
    return sorted(key[len(prefix) : len(key) - len(suffix)] for key in found)


def claimed_task(client: redis.Redis, execution: str, token: str) -> Json:
    """The payload of a Task attempt a worker claimed to run itself; None if none."""
    raw = client.get(keys.claimed_task(execution, token))
    return None if raw is None else json.loads(raw)


def queued_jobs(client: redis.Redis, queue: str) -> list[str]:
    """The ids of the RQ jobs waiting on `queue` (e.g. `dispatch.activity_queue(name)`)."""
    return Queue(queue, connection=client).get_job_ids()


def queue_lengths(client: redis.Redis) -> dict[str, int]:
    """Every RQ queue and how many jobs wait on it."""
    return {queue.name: queue.count for queue in Queue.all(connection=client)}


def shared_records(client: redis.Redis, executions: list[str]) -> set[str]:
    """The kinds of sfn's keys that belong to none of `executions`, each named once by the
    `keys` constant or function that makes it (`TIMERS`, `by_status`...); RQ's keys are left
    out, and a key nothing in `keys` makes (another execution's too) is `unknown:<key>`."""
    own = tuple(keys.meta(execution)[: -len("meta")] for execution in executions)
    found = set()
    for raw in client.scan_iter("*"):
        key = raw.decode()
        if not key.startswith((RQ_PREFIX, *own)):
            found.add(_global_name(key))
    return found


def rq_kinds(client: redis.Redis) -> set[str]:
    """RQ's own keys by kind, ids replaced by `*` (`rq:queue:*`, `rq:workers`...)."""
    found = set()
    for raw in client.scan_iter(_glob(RQ_PREFIX) + "*"):
        kind, colon, _ = raw.decode()[len(RQ_PREFIX) :].partition(":")
        found.add(RQ_PREFIX + kind + (":*" if colon else ""))
    return found


def keys_naming(client: redis.Redis, text: str) -> list[str]:
    """Every key whose name holds `text` (say, a task token): what is left about it."""
    return sorted(key.decode() for key in client.scan_iter("*" + _glob(text) + "*"))


def _keys_of(client: redis.Redis, execution: str) -> dict[str, str]:
    """Record name -> key, for every key of the execution."""
    meta, history = keys.meta(execution), keys.history(execution)
    shared = next(n for n, (a, b) in enumerate(zip(meta, history, strict=False)) if a != b)
    found = (key.decode() for key in client.scan_iter(_glob(meta[:shared]) + "*"))
    return {_name(key, execution): key for key in found}


def _name(key: str, execution: str) -> str:
    for kind in SINGLE:
        if key == _maker(kind)(execution):
            return kind
    for kind in sorted(NAMED, key=lambda kind: -len(_parts(kind, execution)[1])):
        prefix, suffix = _parts(kind, execution)
        middle = key[len(prefix) : len(key) - len(suffix)]
        if key.startswith(prefix) and key.endswith(suffix) and middle and ":" not in middle:
            return f"{kind}:{middle}"
    return f"unknown:{key}"


def _global_name(key: str) -> str:
    for name in GLOBAL:
        if key == getattr(keys, name):
            return name
    for name in sorted(GLOBAL_NAMED, key=lambda name: -len(_global_parts(name)[1])):
        prefix, suffix = _global_parts(name)
        middle = key[len(prefix) : len(key) - len(suffix)]
        if key.startswith(prefix) and key.endswith(suffix) and middle and ":" not in middle:
            return name
    return f"unknown:{key}"


def _global_parts(name: str) -> tuple[str, str]:
    """The text of a global key before and after its id."""
    prefix, _, suffix = getattr(keys, name)("\0").partition("\0")
    return prefix, suffix


def _parts(kind: str, execution: str) -> tuple[str, str]:
    """The text of a named record's key before and after its id."""
    prefix, _, suffix = _maker(kind)(execution, "\0").partition("\0")
    return prefix, suffix


def _maker(kind: str) -> Callable[..., str]:
    return getattr(keys, kind)


def _glob(text: str) -> str:
    """`text` matched literally in a Redis SCAN pattern."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)
