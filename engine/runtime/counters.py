"""Counters the commits keep for `/metrics`: one hash, each count an HINCRBY queued in the
commit that makes it true, so a count is never lost or doubled by a stale or retried step."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import redis
from redis.client import Pipeline

from engine.runtime import keys
from engine.runtime.guarded import GuardedWrite

# Task run-time buckets (seconds), Prometheus' default ones widened for long activities.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
SEP = "|"  # state machine names have no '|' (letters, digits, '-', '_', '.')


@dataclass
class Histogram:
    """Counts per bucket (not cumulative; the last one is +Inf) and the sum of the values."""

    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    sum: float = 0.0


@dataclass
class Counters:
    started: dict[str, int] = field(default_factory=dict)  # state machine -> executions
    finished: dict[tuple[str, str], int] = field(default_factory=dict)  # (machine, status)
    transitions: dict[str, int] = field(default_factory=dict)  # state machine -> states entered
    task_seconds: dict[str, Histogram] = field(default_factory=dict)  # state machine -> runs


def started(pipe: Pipeline, machine: str) -> None:
    pipe.hincrby(keys.METRICS, f"started{SEP}{machine}", 1)


def finished(pipe: Pipeline, machine: str, status: str) -> None:
    pipe.hincrby(keys.METRICS, f"finished{SEP}{machine}{SEP}{status}", 1)


def transitions(write: GuardedWrite, machine: str, count: int) -> None:
    """States entered: one HINCRBY per commit, however many runs a batch steps."""
    write.add(keys.METRICS, f"transitions{SEP}{machine}", count)


def task_seconds(pipe: Pipeline, machine: str, seconds: float) -> None:
    """One Task run of `seconds`: its bucket's count and the sum, in microseconds (HINCRBY:
    exact, no float drift)."""
    bucket = next((i for i, bound in enumerate(BUCKETS) if seconds <= bound), len(BUCKETS))
    pipe.hincrby(keys.METRICS, f"task{SEP}{machine}{SEP}{bucket}", 1)
    pipe.hincrby(keys.METRICS, f"task_us{SEP}{machine}", round(seconds * 1_000_000))


def read(client: redis.Redis) -> Counters:
    """Every counter (one HGETALL)."""
    found = Counters()
    for raw_field, raw_value in client.hgetall(keys.METRICS).items():
        kind, _, rest = raw_field.decode().partition(SEP)
        value = int(raw_value)
        if kind == "started":
            found.started[rest] = value
        elif kind == "finished":
            machine, _, status = rest.rpartition(SEP)
            found.finished[(machine, status)] = value
        elif kind == "transitions":
            found.transitions[rest] = value
        elif kind == "task":
            machine, _, bucket = rest.rpartition(SEP)
            found.task_seconds.setdefault(machine, Histogram()).buckets[int(bucket)] += value
        elif kind == "task_us":
            found.task_seconds.setdefault(rest, Histogram()).sum = value / 1_000_000
    return found


def upper_bounds() -> list[float]:
    return [*BUCKETS, math.inf]
