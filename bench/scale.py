"""Scale runs (`python -m bench --scale`): many executions at once, and big Maps run to the end.

- 10,000 W5 executions started at once on 2 `sfn worker` processes: Task round trips/s, Redis
  memory per execution at the peak and once all have ended, each worker's RSS growth per
  execution, and the keys every finished execution leaves (`bench.census`).
- W3 (inline Map, Pass iterator, unlimited concurrency) over 1,000, 10,000 and 100,000 items,
  each run to completion: wall time, transitions/s, Redis memory at the peak and per finished
  iteration (and how much of it is the history), and the keys left by kind once the execution
  has ended and the queues have drained. Items are small integers so that the input stays
  under the 256 KiB payload limit, and a ResultSelector counts the results so that the output
  does too (the count is checked). A size is skipped only on a machine without the memory the
  previous size projects for it, and the table says so.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from typing import Any

import redis

import bench.activities  # noqa: F401  (W5's activities, for the start-time resource check)
from bench import census, machine, sfn_runs
from bench.redis_server import BenchRedis, flush, used_memory
from bench.workloads import BY_ID
from engine.activities import default_registry
from engine.runtime import keys
from engine.runtime.engine import Engine

Json = Any
W5_EXECUTIONS = 10_000
# Untimed W5 executions on the same workers first: their first jobs import and cache.
W5_WARMUP = 200
W3_SIZES = (1_000, 10_000, 100_000)
W3_TIMEOUT = 3600
# Room asked of the machine before a W3 size starts: Redis's projected peak times this.
MEMORY_MARGIN = 2.0
MIB = 1024 * 1024


def w3_definition() -> Json:
    definition = BY_ID["W3c0"].load_definition()
    definition["States"]["MapItems"]["ResultSelector"] = {"count.$": "States.ArrayLength($)"}
    return definition


def w3_input(items: int) -> Json:
    return {"items": [index % 10 for index in range(items)]}


class MemoryWatch:
    """Samples the server's used_memory every `interval` seconds, keeping the peak."""

    def __init__(self, client: redis.Redis, interval: float = 0.25):
        self.client, self.interval, self.peak = client, interval, used_memory(client)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, used_memory(self.client))

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, used_memory(self.client))


def w5_at_scale(server: BenchRedis, executions: int) -> dict[str, Json]:
    client = server.client()
    spec = {"workload": "W5", "mode": "workers", "reps": 1,
            "executions": executions, "concurrent": True,
            "warmup": min(W5_WARMUP, executions)}  # fmt: skip
    flush(client)
    with MemoryWatch(client) as watch:
        result = sfn_runs.measure(client, server.url, spec)
    result["redis_peak_bytes"] = _peak(watch, result["census"])
    return result


def w3_at_size(server: BenchRedis, items: int) -> dict[str, Json]:
    """One W3 execution over `items` items on 2 worker processes, its memory and leftovers."""
    client = server.client()
    flush(client)
    baseline = used_memory(client)
    workers = sfn_runs.Workers(server.url).wait_ready(client)
    try:
        engine = Engine(client=client, activities=default_registry)
        with MemoryWatch(client) as watch:
            started = time.perf_counter()
            execution = engine.start_execution(
                w3_definition(), w3_input(items), str(uuid.uuid4()), state_machine="W3scale"
            )
            described = engine.wait(execution, timeout=W3_TIMEOUT)
            seconds = time.perf_counter() - started
        history_events = client.llen(keys.history(execution))
        history_bytes = client.memory_usage(keys.history(execution), samples=0) or 0
        found = census.take(client, 1, baseline)  # purges the execution: read it before
        worker_peak = max(workers.rss("VmHWM"))
    finally:
        workers.stop()
    _check(items, described)
    return {
        "items": items,
        "seconds": seconds,
        "transitions_per_s": (items + 1) / seconds,
        "redis_peak_bytes": _peak(watch, found),
        "history_events": history_events,
        "history_bytes": history_bytes,
        "census": found,
        "worker_peak_rss_mib": worker_peak,
    }


def _peak(watch: MemoryWatch, found: dict[str, Json]) -> int:
    """The highest of the watch's samples and the census's own reading of what is kept: the
    census reads after the watch stops (job results and registries still grow meanwhile), and a
    reading it took is a sample of the same server too."""
    return max(watch.peak - found["baseline_bytes"], found["redis_bytes"])


def _check(items: int, described: dict[str, Json]) -> None:
    if described["status"] != "SUCCEEDED":
        raise AssertionError(f"W3 x{items}: {described['status']} {described.get('cause')}")
    results = json.loads(described["output"])["results"]
    if results != {"count": items}:
        raise AssertionError(f"W3 x{items}: results {results}, expected a count of {items}")


def too_big(items: int, previous: Json | None) -> str | None:
    """Why `items` cannot run here (Redis's projected peak exceeds the memory available)."""
    if previous is not None and "skipped" in previous:
        return "a smaller size was not run either"
    available = machine.available_bytes()
    if previous is None or available is None:
        return None
    needed = previous["redis_peak_bytes"] / previous["items"] * items * MEMORY_MARGIN
    if needed <= available:
        return None
    return f"needs ~{needed / 1024**3:,.1f} GiB for Redis, {available / 1024**3:,.1f} available"


def run(w5_executions: int = W5_EXECUTIONS, w3_sizes: tuple[int, ...] = W3_SIZES) -> Json:
    """Every scale measurement (smaller counts only for the test of this module)."""
    started = time.perf_counter()
    found: dict[str, Json] = {"engine": machine.engine_revision(), "load_before": machine.load()}
    with BenchRedis() as server:
        found["server"] = server.version()
        found["w5"] = w5_at_scale(server, w5_executions)
        _progress(f"W5 x{w5_executions}: {found['w5']['seconds'][0]:.1f} s")
        found["w3"] = []
        for items in w3_sizes:
            reason = too_big(items, found["w3"][-1] if found["w3"] else None)
            found["w3"].append(
                {"items": items, "skipped": reason} if reason else w3_at_size(server, items)
            )
            done = found["w3"][-1]
            _progress(f"W3 x{items}: " + (reason or f"{done['seconds']:.1f} s"))
    found["load_after"] = machine.load()
    found["total_seconds"] = time.perf_counter() - started
    return found


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def render(found: Json) -> str:
    lines = [
        f"scale runs, engine {found['engine']}, load {found['load_before']} before / "
        f"{found['load_after']} after, {found['server']} (AOF everysec), 2 `sfn worker` "
        f"processes; the whole run took {found['total_seconds']:,.0f} s",
        "",
        *w5_lines(found["w5"]),
        "",
        *w3_rows(found["w3"]),
        "",
        "keys left once each W3 execution had ended and the queues had drained:",
    ]
    for w3 in found["w3"]:
        if "census" in w3:
            lines.append(f"  W3 x{w3['items']:,}: {_left(w3['census'])}")
    return "\n".join(lines)


def w5_lines(w5: Json) -> list[str]:
    seconds, left = w5["seconds"][0], w5["census"]
    growth, count = w5["worker_rss_growth_each_mib"], w5["transitions"] // 3
    total = left["executions"]
    return [
        f"W5 x{count:,} started at once: {3 * count / seconds:,.0f} Task round "
        f"trips/s = transitions/s ({seconds:.1f} s for all; the engine process took "
        f"{w5['start_seconds'][0]:.1f} s to start them)",
        f"  Redis: peak {w5['redis_peak_bytes'] / MIB:,.1f} MiB "
        f"({w5['redis_peak_bytes'] / total / 1024:,.2f} KiB per execution); after the end "
        f"{left['redis_bytes'] / MIB:,.1f} MiB ({left['redis_bytes_per_execution'] / 1024:,.2f} "
        f"KiB per finished execution; after a purge "
        f"{left['redis_bytes_per_execution_after_purge'] / 1024:,.2f} KiB)",
        f"  workers: RSS growth {' / '.join(f'{g:,.1f}' for g in growth)} MiB = "
        f"{sum(growth) * 1024 / count:,.3f} KiB per execution; "
        f"peak RSS {w5['worker_peak_rss_mib']:,.0f} MiB",
        f"  left per finished execution ({total:,} with the warm-up's): "
        f"{left['keys_per_execution']:,.1f} keys: {census.summary(left['keys'], total)}",
        f"  {_drained(left)}",
    ]


def _left(found: Json) -> str:
    kinds = found["keys"]
    return f"{sum(kinds.values()):,} keys: {census.summary(kinds, 1)}; {_drained(found)}"


def _drained(found: Json) -> str:
    if not found["drained"]:
        return "queues NOT drained when the census was taken"
    return f"queues quiet {found['drain_seconds']:,.1f} s after the end"


W3_HEADINGS = [
    "W3 items", "wall s", "transitions/s", "Redis peak MiB", "peak KiB/iteration",
    "left after end MiB", "left KiB/finished iteration", "of which history MiB (events)",
    "worker peak RSS MiB",
]  # fmt: skip


def w3_rows(sizes: list[Json]) -> list[str]:
    lines = ["| " + " | ".join(W3_HEADINGS) + " |", "|" + " --- |" * len(W3_HEADINGS)]
    for w3 in sizes:
        if "skipped" in w3:
            lines.append(f"| {w3['items']:,} | not run: {w3['skipped']} |")
            continue
        items, left = w3["items"], w3["census"]["redis_bytes"]
        cells = [
            f"{items:,}", f"{w3['seconds']:,.1f}", f"{w3['transitions_per_s']:,.0f}",
            f"{w3['redis_peak_bytes'] / MIB:,.1f}",
            f"{w3['redis_peak_bytes'] / items / 1024:,.2f}", f"{left / MIB:,.1f}",
            f"{left / items / 1024:,.2f}",
            f"{w3['history_bytes'] / MIB:,.1f} ({w3['history_events']:,})",
            f"{w3['worker_peak_rss_mib']:,.0f}",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return lines
