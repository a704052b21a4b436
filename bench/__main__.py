"""`python -m bench`: measure sfn, the peer and the machine's limits in one run; print one table.

    python -m bench              # the full run (several minutes)
    python -m bench --quick      # a one-minute smoke run (CI): everything once, outputs checked
    python -m bench --scale      # 10,000 W5 at once; W3 Maps up to 100,000 items, to the end
    python -m bench --json out.json

The machine is usually shared and noisy: compare the ratios of one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import api_start, limits, machine, peer, sfn_runs, startup, table, w5_durable, w5_paired
from bench.redis_server import BenchRedis
from bench.workloads import WORKLOADS

Json = Any
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plan:
    """How much of everything one run measures."""

    name: str
    reps: int
    executions: dict[str, int]
    w5_concurrent: int
    w5_warmup: int
    peer_runs: dict[str, int]
    peer_memoized: bool  # also the extra row: moto with its JSONPath parse memoized
    limit_seconds: float
    rq_jobs: int
    startup_runs: int
    modes: tuple[str, ...] = field(default=("embedded", "workers"))
    api_starts: int = 300  # StartExecution through the AWS API vs Engine.start_execution
    durable: w5_durable.Plan = field(default=w5_durable.Plan(3, sequential=200, concurrent=300))


QUICK = Plan(
    "quick", reps=1,
    executions={"W1": 3, "W2": 1, "W3c0": 1, "W3c10": 1, "W4": 2, "W5": 5},
    w5_concurrent=20, w5_warmup=5,
    peer_runs={"W1": 1, "W2": 1, "W3c0": 1, "W3c10": 1, "W4": 1, "W5": 3},
    peer_memoized=False, limit_seconds=0.5, rq_jobs=1000, startup_runs=3, api_starts=30,
    durable=w5_durable.Plan(reps=1, sequential=10, concurrent=20),
)  # fmt: skip
FULL = Plan(
    "full", reps=3,
    executions={"W1": 10, "W2": 2, "W3c0": 1, "W3c10": 1, "W4": 5, "W5": 30},
    w5_concurrent=300, w5_warmup=30,
    peer_runs={"W1": 3, "W2": 1, "W3c0": 1, "W3c10": 1, "W4": 3, "W5": 20},
    peer_memoized=True, limit_seconds=2.0, rq_jobs=2000, startup_runs=15,
)  # fmt: skip


def measure_sfn(server: BenchRedis, plan: Plan) -> dict[str, Json]:
    client, found = server.client(), {}
    for workload in WORKLOADS:
        found[workload.id] = {}
        for mode in plan.modes:
            spec = {"workload": workload.id, "mode": mode, "reps": plan.reps,
                    "executions": plan.executions[workload.id], "concurrent": False}  # fmt: skip
            measured = found[workload.id][mode] = sfn_runs.measure(client, server.url, spec)
            _progress(f"sfn {workload.id} {mode}: {table.fmt(table.rate(measured))} t/s")
    return found


def measure_w5_throughput(
    server: BenchRedis, plan: Plan
) -> tuple[dict[str, Json], dict[str, Json]]:
    """W5 started `plan.w5_concurrent` at once in each mode; on the 2 workers both with eager
    tasks and with them off (`QUEUE_ONLY`: every Task through the RQ queue), so the table shows
    what eager tasks add, each repetition paired with a raw RQ run just before it (see
    bench/w5_paired.py). Returns the results by mode, and the pairing's raw RQ figures."""
    found, pairing = {}, {}
    if "embedded" in plan.modes:
        spec = {"workload": "W5", "mode": "embedded", "reps": plan.reps,
                "executions": plan.w5_concurrent, "concurrent": True}  # fmt: skip
        measured = found["embedded"] = sfn_runs.measure(server.client(), server.url, spec)
        _progress(
            f"sfn W5 x{plan.w5_concurrent} at once embedded: {table.fmt(table.rate(measured))}/s"
        )
    if "workers" in plan.modes:
        plan_pairing = w5_paired.Pairing(
            plan.reps, plan.w5_concurrent, plan.w5_warmup, plan.rq_jobs
        )
        paired, pairing = w5_paired.measure(server.client(), server.url, plan_pairing, _progress)
        found.update(paired)
    return found, pairing


def measure_peer(plan: Plan, *, cache_parse: bool) -> dict[str, Json]:
    if not peer.installed():
        return {"status": "not installed"}
    runs = {workload: count * plan.reps for workload, count in plan.peer_runs.items()}
    spec = json.dumps({"runs": runs, "cache_parse": cache_parse})
    done = subprocess.run(
        [sys.executable, "-m", "bench.peer", spec], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"peer failed:\n{done.stderr}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    found["version"] = peer.versions()
    _progress(f"peer ({'parse memoized' if cache_parse else 'as installed'}) done")
    return found


def run(plan: Plan) -> dict[str, Json]:
    results: dict[str, Json] = {"mode": plan.name, "reps": plan.reps}
    results["machine"] = {"cpus": os.cpu_count(), "load_before": machine.load()}
    results["engine"] = machine.engine_revision()
    with BenchRedis() as server:
        results["server"] = server.version()
        results["limits"] = limits.measure(
            server.client(),
            server.url,
            seconds=plan.limit_seconds,
            jobs=plan.rq_jobs,
            reps=plan.reps,
        )
        _progress(f"limits: {results['limits']}")
        results["sfn"] = measure_sfn(server, plan)
        results["w5_concurrent"] = plan.w5_concurrent
        results["w5_throughput"], results["w5_pairing"] = measure_w5_throughput(server, plan)
        results["api_start"] = api_start.measure(server.url, plan.api_starts)
        _progress(f"api start: {results['api_start']}")
        results["durable_peer"] = w5_durable.measure(
            server.client(), server.url, plan.durable, _progress
        )
    results["peer"] = measure_peer(plan, cache_parse=False)
    if plan.peer_memoized:
        results["peer_memoized"] = measure_peer(plan, cache_parse=True)
    results["startup"] = startup.measure(plan.startup_runs)
    results["machine"]["load_after"] = machine.load()
    return results


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one-minute smoke run (CI)")
    parser.add_argument("--scale", action="store_true", help="the scale runs only")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results here")
    options = parser.parse_args(argv)
    if options.scale:
        from bench import scale

        results = scale.run()
        print(scale.render(results))
    else:
        results = run(QUICK if options.quick else FULL)
        print(table.render(results))
    if options.json:
        options.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
