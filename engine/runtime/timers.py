"""Durable timers: one sorted set of due times that every worker polls.

Wait states, retry backoff, TimeoutSeconds, HeartbeatSeconds and worker leases all become a
member of `keys.TIMERS` (written in the commit that needs it). A worker's poller moves each due
member to an RQ `fire_timer` job in one transaction, so a timer is never lost; two pollers may
both fire it, which is harmless because a timer for a state no longer current is stale.
Precision is the poll interval (`SFN_TIMER_POLL`, default 0.1 s) plus one queue hop.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time

import redis

from engine.runtime import dispatch, keys

ENV_POLL = "SFN_TIMER_POLL"
BATCH = 200
log = logging.getLogger("sfn.timers")


def poll_interval() -> float:
    return float(os.environ.get(ENV_POLL) or 0.1)


def fire_due(client: redis.Redis, now: float | None = None) -> int:
    """Turn the timers due at `now` into jobs; return how many were moved."""
    due = client.zrangebyscore(keys.TIMERS, "-inf", now or time.time(), start=0, num=BATCH)
    for member in due:
        spec = json.loads(member)
        job = {"execution": spec["e"], "run": spec["r"], "kind": spec["k"], "ident": spec["id"]}
        with client.pipeline() as pipe:
            pipe.multi()
            pipe.zrem(keys.TIMERS, member)
            dispatch.enqueue(
                pipe, client, "fire_timer", job, description=f"{spec['k']} {spec['e']}"
            )
            pipe.execute()
    return len(due)


class TimerPoller:
    """A daemon thread that fires due timers until stopped."""

    def __init__(self, client: redis.Redis, interval: float | None = None):
        self._client = client
        self._interval = interval if interval is not None else poll_interval()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sfn-timers", daemon=True)

    def start(self) -> TimerPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                moved = fire_due(self._client)
            except redis.RedisError as error:
                log.warning("timer poll failed: %s", error)
                moved = 0
            if moved < BATCH:
                self._stop.wait(self._interval)
