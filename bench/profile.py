"""Profile sfn on one workload: `python -m bench.profile W3c10 [--executions N] [--top 30]`.

Everything runs in this process and thread so that cProfile sees it all: executions start
through the Engine, then sfn's worker (`SfnWorker` in burst mode, so eager tasks show as in
`sfn worker`) and the timer poller's `fire_due` alternate until every execution has ended.
Prints the functions with the most own time and the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import uuid

import bench.activities  # noqa: F401  (W5's activities)
from bench.redis_server import BenchRedis
from bench.workloads import BY_ID, check_output, count_transitions
from engine.activities import default_registry
from engine.runtime.engine import Engine
from engine.runtime.store import FINAL_STATUSES
from engine.runtime.timers import fire_due
from engine.runtime.worker import SfnWorker, make_worker


def run_to_end(engine: Engine, workload_id: str, executions: int) -> list[str]:
    workload = BY_ID[workload_id]
    definition, payload = workload.load_definition(), workload.input()
    started = [
        engine.start_execution(definition, payload, str(uuid.uuid4()), state_machine=workload_id)
        for _ in range(executions)
    ]
    worker = make_worker(engine.redis, ["sfn"], SfnWorker, activities=engine.activities)
    pending = set(started)
    while pending:
        worker.work(burst=True, logging_level="WARNING")
        fire_due(engine.runtime)
        pending = {e for e in pending if engine.describe(e)["status"] not in FINAL_STATUSES}
    for execution in started:
        output = engine.describe(execution).get("output")
        check_output("sfn", workload, output, count_transitions(engine.history(execution)))
    return started


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("workload", choices=sorted(BY_ID))
    parser.add_argument("--executions", type=int, default=1)
    parser.add_argument("--top", type=int, default=30)
    options = parser.parse_args()
    with BenchRedis() as server:
        engine = Engine(client=server.client(), activities=default_registry)
        profiler = cProfile.Profile()
        profiler.runcall(run_to_end, engine, options.workload, options.executions)
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(options.top)
        print(text.getvalue())


if __name__ == "__main__":
    main()
