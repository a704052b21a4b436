"""`python -m bench.ui`: the web UI's server times on a large store.

    python -m bench.ui                       # 100,000 executions, a 25,000-event history
    python -m bench.ui --executions 10000    # smaller, quicker

Fills a fresh Redis with real executions (Engine.start_execution: Pass, Fail and waiting Task
machines over 5 state machines), runs a real `sfn serve`, and times its pages and endpoints
from a client on loopback (so each figure is the server's time plus one local HTTP round trip).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from bench.redis_server import BenchRedis, free_port
from engine.runtime.engine import Engine
from engine.runtime.worker import EmbeddedWorker

MACHINES = {
    "pass": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    "fail": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}},
    "wait": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "none", "End": True}}},
}
KINDS = ("pass", "pass", "pass", "fail", "wait")  # 60 % succeeded, 20 % failed, 20 % running
SFN = [sys.executable, "-c", "from engine.cli import main; main(prog_name='sfn')"]


def fill(engine: Engine, count: int) -> None:
    started = time.perf_counter()
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        machine = f"machine-{index % 5}"
        engine.start_execution(
            MACHINES[kind], {"i": index}, f"run-{index:06d}", state_machine=machine
        )
        if index and index % 10000 == 0:
            print(f"  {index} executions ({time.perf_counter() - started:.0f} s)", flush=True)


def long_history(engine: Engine, items: int) -> str:
    """An inline Map of Pass iterations: 4 history events per item."""
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    execution = engine.start_execution(
        definition, {"items": list(range(items))}, "long-history", state_machine="long"
    )
    with EmbeddedWorker(engine.redis, activities=engine.activities):
        described = engine.wait(execution, timeout=600)
    print(f"  {execution}: {described['status']}, {engine.store.history_length(execution)} events")
    return execution


def timed(url: str, reps: int) -> tuple[float, float]:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=100_000)
    parser.add_argument("--map-items", type=int, default=6_200)
    parser.add_argument("--reps", type=int, default=20)
    options = parser.parse_args()
    with BenchRedis() as server:
        engine = Engine(server.url)
        print(f"filling {options.executions} executions...", flush=True)
        fill(engine, options.executions)
        execution = long_history(engine, options.map_items)
        port = free_port()
        environment = {**os.environ, "SFN_REDIS_URL": server.url}
        serve = subprocess.Popen(
            [*SFN, "serve", "--port", str(port)], env=environment, stdout=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(f"{base}/static/sfn.css")
            report(base, execution, options.reps)
        finally:
            serve.terminate()
            serve.wait(10)


def report(base: str, execution: str, reps: int) -> None:
    cases = {
        "executions page (HTML, first page + counts)": "/executions",
        "first page JSON": "/api/executions",
        "oldest first": "/api/executions?order=oldest",
        "ended, latest first (stop-time index)": "/api/executions?order=ended-newest",
        "ended, FAILED of machine-3": "/api/executions?order=ended-newest&status=FAILED"
        "&stateMachine=machine-3",
        "status=FAILED": "/api/executions?status=FAILED",
        "stateMachine=machine-3": "/api/executions?stateMachine=machine-3",
        "RUNNING of machine-4": "/api/executions?status=RUNNING&stateMachine=machine-4",
        "search (1 match: scans every id)": "/api/executions?search=run-012345",
        "a page 10,000 rows in (cursor)": None,
        "25k-event execution page (HTML)": f"/executions/{execution}",
        "25k-event history, first 200 events": f"/api/executions/{execution}/history",
        "25k-event timeline": f"/api/executions/{execution}/timeline",
        "25k-event state P (first 20 entries)": f"/api/executions/{execution}/states/P",
        "25k-event graph": f"/api/executions/{execution}/graph",
        "metrics": "/metrics",
    }
    print(f"\n{'request':<48} {'median ms':>10} {'p95 ms':>8}")
    for label, path in cases.items():
        if path is None:
            path = _deep_cursor(base)
        median, p95 = timed(base + path, reps)
        print(f"{label:<48} {median:>10.1f} {p95:>8.1f}")


def _deep_cursor(base: str) -> str:
    """The URL of a page about 10,000 rows in (or the last page of a smaller store)."""
    path = "/api/executions?limit=500"
    for _ in range(20):
        with urllib.request.urlopen(base + path, timeout=60) as response:
            cursor = json.load(response)["nextCursor"]
        if cursor is None:
            break
        path = f"/api/executions?limit=500&cursor={urllib.parse.quote(cursor)}"
    return path.replace("limit=500", "limit=50")


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("sfn serve did not start")


if __name__ == "__main__":
    main()
