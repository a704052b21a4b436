"""What the pages and their JSON endpoints show, built from the Engine's reads.

One function per view; every text that could hold a task token goes through `mask_tokens`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from engine.errors import UsageError
from engine.graph import state_nodes, to_dot, to_svg
from engine.graph_overlay import state_runs
from engine.runtime.engine import Engine
from engine.runtime.listing import (
    STATUSES,
    Query,
    nesting,
    page,
    state_machines,
    status_counts,
    versions,
    waiting_tasks,
)
from engine.runtime.store import parse_execution, state_machine_of
from engine.serve.history_cache import HistoryCache
from engine.serve.history_view import EventRow, HistoryView, analyse, mask_tokens
from engine.serve.workflows import WorkflowFile

Json = Any
MAX_LIMIT = 500


@dataclass(frozen=True)
class Order:
    """A list order the `order` parameter names (the indexes hold start and stop times)."""

    label: str
    by_stop: bool
    oldest_first: bool


ORDERS = {
    "newest": Order("started, newest first", by_stop=False, oldest_first=False),
    "oldest": Order("started, oldest first", by_stop=False, oldest_first=True),
    "ended-newest": Order("ended, latest first", by_stop=True, oldest_first=False),
    "ended-oldest": Order("ended, earliest first", by_stop=True, oldest_first=True),
}
PREFIX_EVENTS = 2000  # history pages within this many events read only up to themselves
MAX_LANES = 200  # timeline lanes sent (a Map of 10,000 items has 10,000)


def query_from(params: dict[str, str]) -> Query:
    """A list query from URL parameters; a bad value is a UsageError naming the parameter."""
    status = params.get("status") or None
    if status is not None and status not in STATUSES:
        raise UsageError(f"status: {status!r} is not one of {', '.join(STATUSES)}")
    try:
        limit = int(params.get("limit") or 50)
    except ValueError:
        raise UsageError("limit: not a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit: use 1 to {MAX_LIMIT}")
    order = params.get("order") or "newest"
    if order not in ORDERS:
        raise UsageError(f"order: {order!r} is not one of {', '.join(ORDERS)}")
    return Query(
        status=status,
        state_machine=params.get("stateMachine") or None,
        search=(params.get("search") or "").strip() or None,
        started_after=_epoch(params.get("from"), "from"),
        started_before=_epoch(params.get("to"), "to"),
        oldest_first=ORDERS[order].oldest_first,
        by_stop=ORDERS[order].by_stop,
        cursor=params.get("cursor") or None,
        limit=limit,
    )


def executions_list(engine: Engine, query: Query) -> dict[str, Json]:
    found = page(engine.redis, query)
    return {
        "executions": [asdict(row) for row in found.rows],
        "nextCursor": found.next_cursor,
        "counts": status_counts(engine.redis, query.state_machine),
        "stateMachines": state_machines(engine.redis),
    }


def state_machine_versions(engine: Engine, files: list[WorkflowFile]) -> list[dict[str, Json]]:
    """Each state machine with executions: its definition versions (content hash, executions
    started with it, first and last start), marking the one its workflow file holds now."""
    current = {file.machine: file.digest for file in files if file.digest}
    return [
        {
            "name": name,
            "versions": [
                {
                    "digest": version.digest,
                    "executions": version.executions,
                    "first": _iso(version.first_epoch),
                    "last": _iso(version.last_epoch),
                    "current": version.digest == current.get(name),
                }
                for version in versions(engine.redis, name)
            ],
        }
        for name in state_machines(engine.redis)
    ]


def execution_summary(engine: Engine, ref: str) -> dict[str, Json]:
    """DescribeExecution's fields (masked) plus the history length and the duration."""
    execution = parse_execution(ref)
    described = {
        key: mask_tokens(value) if isinstance(value, str) else value
        for key, value in engine.describe(execution).items()
    }
    described["stateMachineName"] = state_machine_of(execution)
    described["historyLength"] = engine.store.history_length(execution)
    described["durationMs"] = _duration_ms(described)
    found = nesting(engine.redis, execution)
    described["parentExecution"] = found.parent
    described["parentState"] = found.parent_state
    described["children"] = [asdict(row) for row in found.children]
    described["childrenTotal"] = found.children_total
    return described


def definition(engine: Engine, ref: str) -> Json:
    execution = parse_execution(ref)
    return engine.store.definition(engine.store.meta(execution)["definition"])


def history_page(
    engine: Engine, histories: HistoryCache, ref: str, params: dict[str, str]
) -> dict[str, Json]:
    """Rows of the event table, filtered by type and state, `offset`/`limit` paged; with
    `facets=1`, also the types and states present (for the filters).

    An unfiltered page near the start reads only the events up to it: the first page of a
    25,000-event history must not wait for the whole history to be read and walked."""
    execution = parse_execution(ref)
    types = {t for t in (params.get("type") or "").split(",") if t}
    state = params.get("state") or None
    offset, limit = _int(params.get("offset"), 0), min(_int(params.get("limit"), 200), 1000)
    facets = params.get("facets") == "1"
    if not (types or state or facets) and offset + limit <= PREFIX_EVENTS:
        total = engine.store.history_length(execution)
        if total == 0:
            engine.store.meta(execution)  # an unknown execution is a 404
        rows = analyse(engine.store.history(execution, 0, offset + limit)).events
    else:
        rows = [
            row
            for row in histories.get(execution).view.events
            if (not types or row.type in types) and (state is None or row.state == state)
        ]
        total = len(rows)
    result: dict[str, Json] = {
        "total": total,
        "offset": offset,
        "events": [_event_row(row) for row in rows[offset : offset + limit]],
    }
    if facets:
        view = histories.get(execution).view
        result["types"] = sorted({row.type for row in view.events})
        result["states"] = sorted({row.state for row in view.events if row.state})
    return result


def all_events(histories: HistoryCache, ref: str) -> list[Json]:
    """The whole history, tokens masked (the download)."""
    view = histories.get(parse_execution(ref)).view
    return [_event_row(row)["event"] for row in view.events]


def state_entries(view: HistoryView, name: str, params: dict[str, str]) -> dict[str, Json]:
    """The entries of one state (input, output, error, cause, attempts, timings), masked,
    `offset`/`limit` paged (a Map's iterator state has one entry per item)."""
    entries = [entry for entry in view.entries if entry.name == name]
    if params.get("failed") == "1":
        entries = [entry for entry in entries if entry.failed]
    if params.get("iteration"):
        suffix = f" #{params['iteration'].strip()}"
        entries = [entry for entry in entries if entry.lane.endswith(suffix)]
    offset, limit = _int(params.get("offset"), 0), min(_int(params.get("limit"), 20), 200)
    shown = []
    for entry in entries[offset : offset + limit]:
        record = asdict(entry)
        for key in ("input", "output", "error", "cause"):
            if isinstance(record[key], str):
                record[key] = mask_tokens(record[key])
        for attempt in record["attempts"]:
            for key in ("error", "cause"):
                if isinstance(attempt[key], str):
                    attempt[key] = mask_tokens(attempt[key])
        shown.append(record)
    return {"name": name, "total": len(entries), "offset": offset, "entries": shown}


def branch_lanes(data: Json, prefix: str = "") -> dict[str, str]:
    """State name -> the Parallel branch lane it runs in (`P branch 2`, nested ones joined by
    ` / `). Exact because state names are unique in the whole machine (`sfn validate`); Map
    processors are left out: their states run in the Map's iteration lanes."""
    found: dict[str, str] = {}
    for name, state in (data.get("States") or {}).items():
        if not isinstance(state, dict) or state.get("Type") != "Parallel":
            continue
        for index, branch in enumerate(state.get("Branches") or [], start=1):
            lane = f"{prefix}{name} branch {index}"
            found.update(dict.fromkeys(branch.get("States") or {}, lane))
            found.update(branch_lanes(branch, f"{lane} / "))
    return found


def timeline(
    view: HistoryView, branches: dict[str, str] | None = None, max_lanes: int = MAX_LANES
) -> dict[str, Json]:
    """Bars: one per state entry, in lanes (main, one per Parallel branch, one per Map
    iteration), at most `max_lanes` lanes (the rest counted in `lanesOmitted`)."""
    branches = branches or {}
    lanes: dict[str, None] = {}
    bars = []
    for entry in view.entries:
        branch = branches.get(entry.name)
        lane = entry.lane if branch is None else _in_lane(entry.lane, branch)
        if lane not in lanes and len(lanes) >= max_lanes:
            continue
        lanes[lane] = None
        bars.append(
            {
                "name": entry.name,
                "type": entry.type,
                "lane": lane,
                "laneKind": "main" if lane == "main" else "branch" if branch else "iteration",
                "startMs": entry.start_ms,
                "endMs": entry.end_ms,
                "failed": entry.failed,
                "attempts": [
                    {"start_ms": a.start_ms, "end_ms": a.end_ms, "outcome": a.outcome}
                    for a in entry.attempts
                ],
            }
        )
    all_lanes = {
        _in_lane(entry.lane, branches[entry.name]) if entry.name in branches else entry.lane
        for entry in view.entries
    }
    return {
        "durationMs": view.duration_ms,
        "bars": bars,
        "lanesOmitted": len(all_lanes) - len(lanes),
    }


def graph_svg(engine: Engine, ref: str, events: list[Json], status: str) -> dict[str, Json]:
    """The execution drawing (states coloured by what happened) and its node -> state map."""
    data = definition(engine, ref)
    runs = state_runs(events, status)
    svg = to_svg(to_dot(data, name=state_machine_of(parse_execution(ref)), runs=runs))
    running = [name for name, run in runs.items() if run.status == "running"]
    return {"svg": _strip_prolog(svg), "nodes": state_nodes(data), "running": running}


def waiting(engine: Engine, ref: str, *, reveal: bool) -> list[Json]:
    """The callbacks the execution waits for; tokens masked unless `reveal`."""
    execution = parse_execution(ref)
    engine.store.meta(execution)  # an unknown execution is a 404, not an empty list
    return [
        {
            "run": task.run_id,
            "state": task.state_name,
            "resource": task.resource,
            "token": task.token if reveal else mask_tokens(task.token),
        }
        for task in waiting_tasks(engine.redis, execution)
    ]


def _in_lane(lane: str, branch: str) -> str:
    return branch if lane == "main" else f"{lane} / {branch}"


def _strip_prolog(svg: str) -> str:
    """Inline SVG starts at <svg>: the XML declaration and DOCTYPE are not HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else ""


def _event_row(row: EventRow) -> Json:
    event = json.loads(mask_tokens(json.dumps(row.event)))
    return {
        "id": row.id,
        "type": row.type,
        "state": row.state,
        "elapsedMs": row.elapsed_ms,
        "event": event,
    }


def _duration_ms(described: dict[str, Json]) -> int | None:
    start = described.get("startDate")
    if not start:
        return None
    end = described.get("stopDate")
    ended = (
        datetime.fromisoformat(end) if end else datetime.now(datetime.fromisoformat(start).tzinfo)
    )
    return int((ended - datetime.fromisoformat(start)).total_seconds() * 1000)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _epoch(value: str | None, name: str) -> float | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{name}: not an ISO 8601 date/time") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.timestamp()


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value)) if value else default
    except ValueError:
        return default
