"""`sfn worker --burst`: work until the queues are empty AND no timer of a running execution is
pending. A Wait, a retry delay or a TimeoutSeconds is a timer, not a job: a burst worker that
quit with empty queues left such executions RUNNING with no one to fire their timers.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

from engine.runtime import keys
from engine.runtime.timer_entries import decode

# Timers that advance an execution. Leases and job watches only guard work in other workers'
# hands (they fall due only if that worker dies), and expiries are of finished executions.
ADVANCING = frozenset({"timer", "timeout", "heartbeat", "join"})
RUNNING = "RUNNING"
SCAN_BATCH = 500
LONGEST_NAP_SECONDS = 1.0


def next_due(client: redis.Redis) -> float | None:
    """When the earliest timer advancing a running execution falls due (epoch seconds), or None
    when no such timer is pending."""
    start = 0
    while batch := client.zrange(keys.TIMERS, start, start + SCAN_BATCH - 1, withscores=True):
        for member, due in batch:
            timer = decode(member)
            if timer.kind in ADVANCING and _running(client, timer.execution):
                return due
        start += SCAN_BATCH
    return None


def _running(client: redis.Redis, execution: str) -> bool:
    return client.zscore(keys.by_status(RUNNING), execution) is not None


def drain(
    work: Callable[[], None],
    queued: Callable[[], bool],
    client: redis.Redis,
    stopping: Callable[[], bool],
    poll_seconds: float,
) -> None:
    """Run `work` (an RQ burst) until nothing is `queued` and no advancing timer is pending;
    the worker's timer poller fires the timers meanwhile. Timers are looked at before the
    queues: a timer is removed only after the commit that enqueues its job."""
    work()
    while not stopping():
        due = next_due(client)
        if queued():
            work()
        elif due is None:
            return
        else:
            time.sleep(min(max(due - time.time(), 0.0) + poll_seconds, LONGEST_NAP_SECONDS))
