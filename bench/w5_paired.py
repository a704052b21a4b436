"""W5 started all at once on 2 workers, each repetition right after a raw RQ run it is paired with.

The W5 target is a ratio to raw RQ's no-op rate, and on a shared machine that rate swings by half
between minutes: a ratio of two figures measured minutes apart is noise. So each repetition runs
raw RQ on 2 worker processes first, then W5 with eager tasks and with every Task through the
queue (which of the two goes first alternates), each on fresh workers after an untimed warm-up,
and each W5 run keeps the raw RQ figure of its own repetition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from bench import limits, sfn_runs, table
from bench.table import QUEUE_ONLY

Json = Any
EAGER = "workers"
MODES = (EAGER, QUEUE_ONLY)
# Lists with one entry per repetition (task latencies: one per Task) in sfn_runs.measure's result.
PER_REP = ("seconds", "start_seconds", "execs_per_run", "drain_seconds", "task_latencies",
           "task_rate_after_starts")  # fmt: skip


@dataclass(frozen=True)
class Pairing:
    """How much one paired W5 measurement runs."""

    reps: int
    executions: int
    warmup: int
    rq_jobs: int


def orders(reps: int, modes: tuple[str, ...] = MODES) -> list[list[str]]:
    """The W5 modes in each repetition's order, rotated by one each repetition so that none
    always runs first (right after raw RQ) or last."""
    return [[modes[(rep + i) % len(modes)] for i in range(len(modes))] for rep in range(reps)]


def spec(mode: str, pairing: Pairing) -> dict[str, Json]:
    """sfn_runs' spec for one repetition of `mode` on 2 workers."""
    return {"workload": "W5", "mode": "workers", "reps": 1, "eager": mode != QUEUE_ONLY,
            "executions": pairing.executions, "concurrent": True,
            "warmup": pairing.warmup}  # fmt: skip


def measure(
    client: redis.Redis, url: str, pairing: Pairing, progress: Callable[[str], None]
) -> tuple[dict[str, Json], dict[str, Json]]:
    """{mode: its repetitions merged, with the raw RQ figure paired with each}, and the raw RQ
    figures with each repetition's order of the modes."""
    runs: dict[str, list[Json]] = {mode: [] for mode in MODES}
    raw, rep_orders = [], orders(pairing.reps)
    for order in rep_orders:
        raw.append(limits.rq_processes(client, url, pairing.rq_jobs))
        progress(f"raw RQ 2 workers (alongside W5): {raw[-1]:,.0f} jobs/s")
        for mode in order:
            runs[mode].append(sfn_runs.measure(client, url, spec(mode, pairing)))
            rate = table.fmt(table.rate(runs[mode][-1]))
            progress(f"sfn W5 x{pairing.executions} at once {mode}: {rate}/s")
    found = {mode: merge(runs[mode], raw) for mode in MODES}
    return found, {"rq_jobs": pairing.rq_jobs, "rq_2workers": raw, "orders": rep_orders}


def merge(runs: list[Json], raw: list[float]) -> dict[str, Json]:
    """One mode's single-repetition results as one result of the shape sfn_runs.measure gives
    for several repetitions, plus `paired_raw_rq` (raw RQ's 2-worker rate of each repetition).
    Peaks and RSS growth are the largest of any repetition; the census is the last one's (each
    repetition starts on a clean database), drained only if every repetition's was."""
    merged: dict[str, Json] = {key: [v for run in runs for v in run[key]] for key in PER_REP}
    each_run = [run["worker_rss_growth_each_mib"] for run in runs]
    growth_each = [max(worker) for worker in zip(*each_run, strict=True)]
    censuses = [run["census"] for run in runs]
    merged.update(
        transitions=runs[0]["transitions"],
        peak_rss_mib=max(run["peak_rss_mib"] for run in runs),
        worker_peak_rss_mib=max(run["worker_peak_rss_mib"] for run in runs),
        worker_rss_growth_each_mib=growth_each,
        worker_rss_growth_mib=max(growth_each),
        census={**censuses[-1], "drained": all(c["drained"] for c in censuses)},
        censuses=censuses,
        eager_tasks=runs[0]["eager_tasks"],
        paired_raw_rq=raw,
    )
    return merged
