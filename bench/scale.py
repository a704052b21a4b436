"""Scale runs (`python -m bench --scale`): many executions at once, and big Maps.

- 10,000 W5 executions started at once on 2 `sfn worker` processes: round trips/s, Redis memory
  per finished execution, worker RSS growth.
- W3 (inline Map, Pass iterator) with growing item counts up to 100,000: Redis memory at its
  peak and per finished iteration, and the keys left once the execution has ended. Items are
  small integers so that the input stays under the 256 KiB payload limit, and a ResultSelector
  counts the results so that the output does too. A size whose first commit alone would exceed
  MAX_COMMIT_BYTES is not started: the projection from the smaller sizes is reported instead.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from typing import Any

import redis

import bench.activities  # noqa: F401  (W5's activities, for the start-time resource check)
from bench import sfn_runs
from bench.redis_server import BenchRedis, flush, used_memory
from bench.sfn_child import drain
from bench.workloads import BY_ID
from engine.runtime.engine import Engine

Json = Any
W5_EXECUTIONS = 10_000
W3_SIZES = (1_000, 10_000, 100_000)
MAX_COMMIT_BYTES = 2 * 1024**3
SPEC_BYTES = 1024


def w3_definition() -> Json:
    definition = BY_ID["W3c0"].load_definition()
    definition["States"]["MapItems"]["ResultSelector"] = {"count.$": "States.ArrayLength($)"}
    return definition


def w3_input(items: int) -> Json:
    return {"items": [index % 10 for index in range(items)]}


def w5_at_scale(server: BenchRedis) -> dict[str, Json]:
    client = server.client()
    spec = {"workload": "W5", "mode": "workers", "reps": 1,
            "executions": W5_EXECUTIONS, "concurrent": True}  # fmt: skip
    result = sfn_runs.measure(client, server.url, spec)
    result["redis_bytes_per_execution"] = used_memory(client) / W5_EXECUTIONS
    result["keys_per_execution"] = client.dbsize() / W5_EXECUTIONS
    return result


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


def w3_at_size(server: BenchRedis, items: int) -> dict[str, Json]:
    """One W3 execution over `items` items on 2 worker processes, its memory and leftovers."""
    client = server.client()
    flush(client)
    baseline = used_memory(client)
    workers = sfn_runs.Workers(server.url).wait_ready(client)
    try:
        engine = Engine(client=client)
        with MemoryWatch(client) as watch:
            started = time.perf_counter()
            execution = engine.start_execution(w3_definition(), w3_input(items), str(uuid.uuid4()))
            described = engine.wait(execution, timeout=3600)
            seconds = time.perf_counter() - started
        drain(client)
        worker_peak = max(workers.rss("VmHWM"))
    finally:
        workers.stop()
    if described["status"] != "SUCCEEDED":
        raise AssertionError(f"W3 x{items}: {described['status']} {described.get('cause')}")
    return {
        "items": items,
        "seconds": seconds,
        "iterations_per_s": items / seconds,
        "peak_bytes_per_iteration": (watch.peak - baseline) / items,
        "after_bytes_per_iteration": (used_memory(client) - baseline) / items,
        "keys_left": _keys_left(client, execution),
        "worker_peak_rss_mib": worker_peak,
    }


def _keys_left(client: redis.Redis, execution: str) -> dict[str, int]:
    """Keys in the database after the end, by kind: the execution's own, RQ's, sfn's global."""
    kinds: dict[str, int] = {}
    for key in client.scan_iter(count=1000):
        name = key.decode()
        if name.startswith(f"sfn:{{{execution}}}:"):
            kind = "execution:" + name.split("}:", 1)[1].split(":")[0]
        elif name.startswith("rq:"):
            kind = "rq:" + name.split(":")[1]
        else:
            kind = name.rsplit(":", 1)[0] if name.count(":") > 1 else name
        kinds[kind] = kinds.get(kind, 0) + 1
    return dict(sorted(kinds.items()))


def projected_first_commit(items: int) -> int:
    """Bytes of the Map's first commit: one spec per child, its item and the execution's
    context without Execution.Input (children read that from the execution), under 1 KiB."""
    return items * SPEC_BYTES


def run() -> dict[str, Json]:
    found: dict[str, Json] = {"w3": []}
    with BenchRedis() as server:
        found["server"] = server.version()
        found["w5"] = w5_at_scale(server)
        print(f"W5 x{W5_EXECUTIONS}: {found['w5']['seconds'][0]:.1f} s", file=sys.stderr)
        for items in W3_SIZES:
            projected = projected_first_commit(items)
            if projected > MAX_COMMIT_BYTES:
                found["w3"].append({"items": items, "skipped_projected_bytes": projected})
                continue
            found["w3"].append(w3_at_size(server, items))
            print(f"W3 x{items}: {found['w3'][-1]['seconds']:.1f} s", file=sys.stderr)
    return found


def render(found: Json) -> str:
    w5 = found["w5"]
    trips = 3 * W5_EXECUTIONS / w5["seconds"][0]
    lines = [
        f"scale runs on {found['server']} (AOF everysec), 2 `sfn worker` processes",
        f"W5 x{W5_EXECUTIONS:,} started at once: {trips:,.0f} Task round trips/s "
        f"({w5['seconds'][0]:.1f} s), Redis {w5['redis_bytes_per_execution'] / 1024:.1f} KiB and "
        f"{w5['keys_per_execution']:.1f} keys per finished execution, worker RSS growth "
        f"{w5['worker_rss_growth_mib']:.1f} MiB (peak {w5['worker_peak_rss_mib']:.0f} MiB)",
    ]
    for w3 in found["w3"]:
        if "skipped_projected_bytes" in w3:
            lines.append(
                f"W3 x{w3['items']:,}: not started: its first commit alone would write "
                f"{w3['skipped_projected_bytes'] / 1024**3:,.1f} GiB"
            )
            continue
        peak, after = w3["peak_bytes_per_iteration"], w3["after_bytes_per_iteration"]
        lines.append(
            f"W3 x{w3['items']:,}: {w3['iterations_per_s']:,.0f} iterations/s "
            f"({w3['seconds']:.1f} s); Redis per iteration {peak / 1024:,.1f} KiB at peak, "
            f"{after / 1024:,.1f} KiB after the end; "
            f"worker peak RSS {w3['worker_peak_rss_mib']:.0f} MiB; keys left {w3['keys_left']}"
        )
    return "\n".join(lines)
