"""Reads for browsing executions (the web UI): filtered pages with cursors, counts, callbacks.

Filters run on the index members (execution ids are `<state machine>:<name>`, and a state
machine name has no ':'), so a page reads only the `meta` fields of the rows it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis

from engine.runtime import keys
from engine.runtime.store import FINAL_STATUSES, ROOT, Run, state_machine_of

Json = Any
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
ROW_FIELDS = (
    "name", "stateMachineName", "status", "startDate", "stopDate", "redriveCount", "error",
)  # fmt: skip
BATCH = 2000  # at most this many index members read per round trip
FIRST_BATCH = 200  # the first read when filters may skip members
TIES = 16  # members that may share the cursor's start time (skipped, read with the page)


@dataclass(frozen=True)
class Query:
    """What the executions list shows: filters, order, and where the previous page stopped."""

    status: str | None = None
    state_machine: str | None = None
    search: str | None = None  # a substring of the execution id, case-insensitive
    started_after: float | None = None  # epoch seconds, inclusive
    started_before: float | None = None
    oldest_first: bool = False
    by_stop: bool = False  # order by stop time: only ended executions, the index `STOPPED`
    cursor: str | None = None  # "<score> <execution id>" of the last row of the previous page
    limit: int = 50


@dataclass(frozen=True)
class ExecutionRow:
    execution_id: str
    name: str
    state_machine: str
    status: str
    start_date: str
    stop_date: str | None
    redrive_count: int
    error: str | None


@dataclass(frozen=True)
class Page:
    rows: list[ExecutionRow]
    next_cursor: str | None


@dataclass(frozen=True)
class WaitingTask:
    """A callback Task (`.waitForTaskToken`) an execution waits for."""

    token: str
    resource: str
    state_name: str
    run_id: str


@dataclass(frozen=True)
class Nesting:
    """Where a nested execution comes from, and the nested executions it started."""

    parent: str | None  # the id of the execution whose Task started this one
    parent_state: str | None
    children: list[ExecutionRow]  # the first `limit` by id
    children_total: int


def page(client: redis.Redis, query: Query) -> Page:
    """One page of executions matching `query`, newest first unless `oldest_first` (by start
    time, or by stop time if `by_stop`)."""
    if query.by_stop:
        index_stop_times(client)
    if query.search is not None:
        return _searched(client, query)
    index = _index(query)
    found: list[tuple[float, str]] = []
    low, high = _score_range(query)
    after = _parse_cursor(query.cursor)
    if after is not None:
        low, high = (after[0], high) if query.oldest_first else (low, after[0])
    # Without member filters the page is the next limit + 1 members (+ ties at the cursor);
    # with them, read growing batches until the page is full.
    size = FIRST_BATCH if _filtering(query) else query.limit + 1 + (TIES if after else 0)
    offset = 0
    while len(found) <= query.limit:
        batch = _range(client, index, low, high, offset, size, query.oldest_first)
        found += _admitted(client, query, after, batch)
        if len(batch) < size:
            break
        offset += size
        size = min(size * 2, BATCH)
    return _page_of(client, found, query.limit)


def _searched(client: redis.Redis, query: Query) -> Page:
    """A name/id search: the server matches the members (ZSCAN MATCH, case-insensitive glob),
    this process keeps those in range and orders them."""
    after = _parse_cursor(query.cursor)
    low, high = (float(bound) for bound in _score_range(query))
    if after is not None:  # the cursor's row and those before it in the page order are done
        low, high = (max(low, after[0]), high) if query.oldest_first else (low, min(high, after[0]))
    scanned = client.zscan_iter(_index(query), match=_glob(query.search), count=5000)
    in_range = [(member, score) for member, score in scanned if low <= score <= high]
    found = _admitted(client, query, after, in_range)
    found.sort(reverse=not query.oldest_first)
    return _page_of(client, found, query.limit)


def index_stop_times(client: redis.Redis) -> int:
    """Add to the stop-time index the ended executions it lacks (those that ended before sfn
    kept it), reading their `stopDate`; return how many. One round trip when none is missing:
    the index then holds as many members as the final-status indexes together."""
    pipe = client.pipeline(transaction=False)
    pipe.zcard(keys.STOPPED)
    for status in FINAL_STATUSES:
        pipe.zcard(keys.by_status(status))
    indexed, *ended = pipe.execute()
    if indexed >= sum(ended):
        return 0
    added = 0
    for status in FINAL_STATUSES:
        members = [member for member, _ in client.zscan_iter(keys.by_status(status), count=BATCH)]
        for start in range(0, len(members), BATCH):
            added += _index_stops(client, members[start : start + BATCH])
    return added


def _index_stops(client: redis.Redis, members: list[bytes]) -> int:
    pipe = client.pipeline(transaction=False)
    for member in members:
        pipe.zscore(keys.STOPPED, member)
        pipe.hget(keys.meta(member.decode()), "stopDate")
    replies = pipe.execute()
    missing = {}
    for member, score, stopped in zip(members, replies[::2], replies[1::2], strict=True):
        if score is None and stopped:  # no stopDate: deleted meanwhile, or running again
            missing[member] = datetime.fromisoformat(stopped.decode()).timestamp()
    if missing:
        client.zadd(keys.STOPPED, missing)
    return len(missing)


def _score_range(query: Query) -> tuple[float | str, float | str]:
    """The index scores to read: the start-time range, unless the index is by stop time."""
    if query.by_stop:
        return "-inf", "+inf"
    low = query.started_after if query.started_after is not None else "-inf"
    high = query.started_before if query.started_before is not None else "+inf"
    return low, high


def _filtering(query: Query) -> bool:
    """Whether some members of the index read may not match (the page may need more reads)."""
    if query.by_stop:
        return bool(query.status or query.state_machine) or _checks_starts(query)
    return bool(query.status and query.state_machine)


def _checks_starts(query: Query) -> bool:
    """Whether members of the stop-time index must be checked against the start-time range."""
    return query.by_stop and (query.started_after, query.started_before) != (None, None)


def _admitted(
    client: redis.Redis,
    query: Query,
    after: tuple[float, str] | None,
    batch: list[tuple[bytes, float]],
) -> list[tuple[float, str]]:
    """The members of `batch` past the cursor that match the filters. In stop-time order the
    status and the start-time range are not in the index read: one pipelined round trip asks
    the status index and the start-time index about the batch's members."""
    found = [
        (score, member.decode())
        for member, score in batch
        if _past_cursor(after, score, member.decode(), query.oldest_first)
        and _matches(query, member.decode())
    ]
    checks_status, checks_starts = bool(query.by_stop and query.status), _checks_starts(query)
    if not found or not (checks_status or checks_starts):
        return found
    pipe = client.pipeline(transaction=False)
    for _, execution in found:
        if checks_status:
            pipe.zscore(keys.by_status(query.status or ""), execution)
        if checks_starts:
            pipe.zscore(keys.EXECUTIONS, execution)
    replies = iter(pipe.execute())
    low = query.started_after if query.started_after is not None else float("-inf")
    high = query.started_before if query.started_before is not None else float("inf")
    kept = []
    for row in found:
        in_status = next(replies) is not None if checks_status else True
        in_range = low <= next(replies) <= high if checks_starts else True
        if in_status and in_range:
            kept.append(row)
    return kept


def _page_of(client: redis.Redis, found: list[tuple[float, str]], limit: int) -> Page:
    shown = found[:limit]
    more = len(found) > limit
    cursor = f"{shown[-1][0]!r} {shown[-1][1]}" if more and shown else None
    return Page(rows(client, [execution for _, execution in shown]), cursor)


def _glob(text: str) -> str:
    """A Redis glob matching ids that contain `text`, in any letter case."""
    pattern = []
    for char in text:
        if char.isalpha() and char.lower() != char.upper():
            pattern.append(f"[{char.lower()}{char.upper()}]")
        elif char in "*?[]\\^-":
            pattern.append("\\" + char)
        else:
            pattern.append(char)
    return "*" + "".join(pattern) + "*"


def rows(client: redis.Redis, executions: list[str]) -> list[ExecutionRow]:
    """The list fields of these executions (one pipelined round trip; missing ones skipped)."""
    pipe = client.pipeline(transaction=False)
    for execution in executions:
        pipe.hmget(keys.meta(execution), ROW_FIELDS)
    result = []
    for execution, values in zip(executions, pipe.execute(), strict=True):
        fields = dict(zip(ROW_FIELDS, (v.decode() if v else None for v in values), strict=True))
        if fields["status"] is None:
            continue
        result.append(
            ExecutionRow(
                execution_id=execution,
                name=fields["name"] or execution.partition(":")[2],
                state_machine=fields["stateMachineName"] or state_machine_of(execution),
                status=fields["status"],
                start_date=fields["startDate"] or "",
                stop_date=fields["stopDate"],
                redrive_count=int(fields["redriveCount"] or 0),
                error=fields["error"],
            )
        )
    return result


def status_counts(client: redis.Redis, state_machine: str | None = None) -> dict[str, int]:
    """How many executions are in each status (of one state machine, if given)."""
    pipe = client.pipeline(transaction=False)
    for status in STATUSES:
        if state_machine:
            pipe.zintercard(2, [keys.by_status(status), keys.by_state_machine(state_machine)])
        else:
            pipe.zcard(keys.by_status(status))
    return dict(zip(STATUSES, (int(n) for n in pipe.execute()), strict=True))


def counts_by_state_machine(client: redis.Redis) -> dict[tuple[str, str], int]:
    """(state machine, status) -> executions, for every state machine (one round trip)."""
    names = state_machines(client)
    pipe = client.pipeline(transaction=False)
    for name in names:
        for status in STATUSES:
            pipe.zintercard(2, [keys.by_status(status), keys.by_state_machine(name)])
    counts = iter(pipe.execute())
    return {(name, status): int(next(counts)) for name in names for status in STATUSES}


def state_machines(client: redis.Redis) -> list[str]:
    """The names of the state machines that have executions."""
    return sorted(name.decode() for name in client.smembers(keys.STATE_MACHINES))


def nesting(client: redis.Redis, execution: str, limit: int = 50) -> Nesting:
    """The execution's parent and its first `limit` nested executions (states:startExecution)."""
    pipe = client.pipeline(transaction=False)
    pipe.hmget(keys.meta(execution), ("parentExecution", "parentState"))
    pipe.scard(keys.children(execution))
    pipe.sort(keys.children(execution), start=0, num=limit, alpha=True)
    (parent, state), total, first = pipe.execute()
    return Nesting(
        parent=parent.decode() if parent else None,
        parent_state=state.decode() if state else None,
        children=rows(client, [member.decode() for member in first]) if total else [],
        children_total=int(total),
    )


@dataclass(frozen=True)
class Redelivered:
    """An execution some of whose Tasks were sent again after a lost worker."""

    execution: ExecutionRow
    redeliveries: int
    last_epoch: float  # when the last one was sent


def redelivered(client: redis.Redis, limit: int = 20) -> tuple[int, list[Redelivered]]:
    """How many executions had Tasks redelivered, and the `limit` most recent of them."""
    pipe = client.pipeline(transaction=False)
    pipe.zcard(keys.REDELIVERED)
    pipe.zrevrange(keys.REDELIVERED, 0, limit - 1, withscores=True)
    total, recent = pipe.execute()
    ids = [member.decode() for member, _ in recent]
    pipe = client.pipeline(transaction=False)
    for execution in ids:
        pipe.hget(keys.meta(execution), "redeliveryCount")
    counts = dict(zip(ids, pipe.execute(), strict=True))
    last = {member.decode(): score for member, score in recent}
    found = [
        Redelivered(row, int(counts[row.execution_id] or 0), last[row.execution_id])
        for row in rows(client, ids)
    ]
    return int(total), found


@dataclass(frozen=True)
class Version:
    """A definition version a state machine's executions were started with."""

    digest: str  # the definition's content hash
    executions: int  # started with it (retention does not lower this)
    first_epoch: float
    last_epoch: float


def versions(client: redis.Redis, state_machine: str) -> list[Version]:
    """The state machine's definition versions, the one used last first."""
    fields: dict[str, dict[str, str]] = {}
    for raw_field, raw_value in client.hgetall(keys.versions(state_machine)).items():
        digest, _, kind = raw_field.decode().rpartition(":")
        fields.setdefault(digest, {})[kind] = raw_value.decode()
    found = [
        Version(
            digest,
            int(values.get("count", 0)),
            float(values.get("first", 0)),
            float(values.get("last", 0)),
        )
        for digest, values in fields.items()
    ]
    return sorted(found, key=lambda version: version.last_epoch, reverse=True)


def waiting_tasks(client: redis.Redis, execution: str) -> list[WaitingTask]:
    """The callback Tasks the execution waits for now (root run and child runs)."""
    run_ids = [ROOT]
    for field, value in client.hgetall(keys.live(execution)).items():
        if field.startswith(b"t:"):
            run_ids.append(value.decode())
    pipe = client.pipeline(transaction=False)
    for run_id in run_ids:
        pipe.get(keys.run(execution, run_id))
    waiting = []
    for run_id, raw in zip(run_ids, pipe.execute(), strict=True):
        run = Run.load(run_id, raw)
        awaited = (run.snapshot.get("awaiting") or {}) if run else {}
        resource = str(awaited.get("resource", ""))
        if awaited.get("kind") == "task" and resource.endswith(".waitForTaskToken"):
            current = run.snapshot.get("current") or {}
            waiting.append(WaitingTask(awaited["token"], resource, current.get("name", ""), run_id))
    return waiting


def _index(query: Query) -> str:
    if query.by_stop:
        return keys.STOPPED
    if query.status:
        return keys.by_status(query.status)
    if query.state_machine:
        return keys.by_state_machine(query.state_machine)
    return keys.EXECUTIONS


def _range(client, index, low, high, offset, size, oldest_first) -> list[tuple[bytes, float]]:
    if oldest_first:
        return client.zrangebyscore(index, low, high, offset, size, withscores=True)
    return client.zrevrangebyscore(index, high, low, offset, size, withscores=True)


def _matches(query: Query, execution: str) -> bool:
    """The filters the member itself answers (its id is `<state machine>:<name>`)."""
    if query.state_machine and not execution.startswith(query.state_machine + ":"):
        return False
    return not query.search or query.search.lower() in execution.lower()


def _parse_cursor(cursor: str | None) -> tuple[float, str] | None:
    if not cursor:
        return None
    score, _, execution = cursor.partition(" ")
    try:
        return float(score), execution
    except ValueError:
        return None


def _past_cursor(after, score: float, execution: str, oldest_first: bool) -> bool:
    """Whether a member comes after the cursor's row in the page order (ties: by id, as
    Redis orders equal scores)."""
    if after is None or score != after[0]:
        return True
    return execution > after[1] if oldest_first else execution < after[1]
