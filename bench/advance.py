"""The pure interpreter's CPU alone: `python -m bench.advance W2 [--runs N] [--profile]`.

Drives `engine.core.interpreter.advance` over a workload of pure states (W1, W2) as the shell
does (a yield's timer fired at once, the snapshot through JSON between steps), without Redis or
a worker, and prints the CPU time (process time: a shared machine's load counts less than in
wall time) per execution and per transition. The output and states entered are checked.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import time
from typing import Any

from bench.workloads import BY_ID, Workload, check_output
from engine.core.effects import Finish, StartTimer
from engine.core.interpreter import advance
from engine.core.triggers import Start, TimerFired
from engine.definition.compiler import compile_machine
from engine.definition.model import Machine
from engine.testing import VirtualEnv

Json = Any
PURE = ("W1", "W2")


def execute(machine: Machine, payload: Json, env: VirtualEnv) -> tuple[Json, int]:
    """One execution to its end: its output and the states it entered."""
    step = advance(machine, None, Start(payload), env)
    entered = 0
    while True:
        entered += sum(1 for event in step.events if event["type"].endswith("StateEntered"))
        finish = next((e for e in step.effects if isinstance(e, Finish)), None)
        if finish is not None:
            return finish.output, entered
        timer = next(e for e in step.effects if isinstance(e, StartTimer))
        snapshot = json.loads(json.dumps(step.snapshot))
        step = advance(machine, snapshot, TimerFired(timer.timer_id), env)


def measure(workload: Workload, runs: int) -> list[float]:
    """CPU seconds of each of `runs` executions (after one untimed)."""
    machine = compile_machine(workload.load_definition())
    payload, env = workload.input(), VirtualEnv(seed=1)
    output, entered = execute(machine, payload, env)
    check_output("sfn (advance)", workload, output, entered)
    seconds = []
    for _ in range(runs):
        began = time.process_time()
        execute(machine, payload, env)
        seconds.append(time.process_time() - began)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.advance")
    parser.add_argument("workload", choices=PURE, nargs="?", default="W2")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="cProfile the runs instead")
    options = parser.parse_args()
    workload = BY_ID[options.workload]
    if options.profile:
        profiler = cProfile.Profile()
        profiler.runcall(measure, workload, options.runs)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return
    seconds = measure(workload, options.runs)
    median = statistics.median(seconds)
    print(
        f"{workload.id}: advance CPU per execution median {median * 1000:.2f} ms, "
        f"fastest {min(seconds) * 1000:.2f} ms ({options.runs} runs); "
        f"{median / workload.transitions * 1e6:.1f} us per transition"
    )


if __name__ == "__main__":
    main()
