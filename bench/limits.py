"""The machine's limits on the same work: raw Redis commits and raw RQ no-op jobs.

- Redis: one client commits one transition's worth of data per MULTI/EXEC (HSET ~1 KB,
  XADD ~300 B, INCR), then batches of 10 and 100 transitions per MULTI/EXEC.
- RQ: no-op jobs through the worker class sfn uses (`SfnWorker`: RQ's SimpleWorker plus the
  eager-task check after each job; JSON serializer), burst mode, one worker in this process and
  two worker processes.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import redis

from bench import rq_noop
from engine.runtime import dispatch

SNAPSHOT = "x" * 1024
EVENT = "y" * 300
ROOT = Path(__file__).resolve().parent.parent
QUEUE = rq_noop.QUEUE


def redis_commits(client: redis.Redis, seconds: float, batch: int = 1) -> float:
    """Transitions/s committed by one client, `batch` transitions per MULTI/EXEC."""
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        with client.pipeline(transaction=True) as pipe:
            for offset in range(batch):
                slot = (done + offset) % 1000
                pipe.hset(f"bench:commit:{{{slot}}}:run", "snapshot", SNAPSHOT)
                pipe.xadd(f"bench:commit:{{{slot}}}:history", {"event": EVENT}, maxlen=100)
                pipe.incr(f"bench:commit:{{{slot}}}:version")
            pipe.execute()
        done += batch
    elapsed = time.perf_counter() - started
    _delete(client, "bench:commit:*")
    return done / elapsed


def enqueue_noops(client: redis.Redis, count: int) -> None:
    """`count` no-op jobs on the bench queue, enqueued the way sfn enqueues (JSON, its result
    TTL)."""
    queue = dispatch.queue(client, QUEUE)
    for start in range(0, count, 500):
        with client.pipeline() as pipe:
            for _ in range(start, min(count, start + 500)):
                queue.enqueue_call(
                    rq_noop.NOOP, result_ttl=dispatch.RESULT_TTL, timeout=-1, pipeline=pipe
                )
            pipe.execute()


def rq_in_process(client: redis.Redis, jobs: int) -> float:
    """No-op jobs/s of one SfnWorker in this process (burst)."""
    enqueue_noops(client, jobs)
    worker = rq_noop.worker(client)
    started = time.perf_counter()
    worker.work(burst=True, logging_level="WARNING")
    return jobs / (time.perf_counter() - started)


def rq_processes(client: redis.Redis, url: str, jobs: int, processes: int = 2) -> float:
    """No-op jobs/s of `processes` worker processes started together on a full queue (burst)."""
    client.delete(rq_noop.READY, rq_noop.GO)
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.rq_noop", url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    try:
        for _ in children:
            if client.blpop([rq_noop.READY], timeout=60) is None:
                raise RuntimeError("RQ no-op workers did not start")
        enqueue_noops(client, jobs)
        started = time.time()
        client.rpush(rq_noop.GO, *["go"] * processes)
        ends = [float(child.communicate(timeout=600)[0].split()[-1]) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    return jobs / (max(ends) - started)


def _delete(client: redis.Redis, pattern: str) -> None:
    batch = []
    for key in client.scan_iter(pattern, count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            client.delete(*batch)
            batch = []
    if batch:
        client.delete(*batch)


def measure(
    client: redis.Redis, url: str, *, seconds: float, jobs: int, reps: int = 1
) -> dict[str, float]:
    """Every limit, the median of `reps` rounds: commits/s (batch 1, 10, 100) and RQ no-op
    jobs/s (1 and 2 workers)."""
    rounds = [_round(client, url, seconds, jobs) for _ in range(reps)]
    return {name: statistics.median(found[name] for found in rounds) for name in rounds[0]}


def _round(client: redis.Redis, url: str, seconds: float, jobs: int) -> dict[str, float]:
    return {
        "redis_commit": redis_commits(client, seconds, 1),
        "redis_batch10": redis_commits(client, seconds, 10),
        "redis_batch100": redis_commits(client, seconds, 100),
        "rq_1worker": rq_in_process(client, jobs),
        "rq_2workers": rq_processes(client, url, jobs),
    }
