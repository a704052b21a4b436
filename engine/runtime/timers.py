"""Durable timers: one sorted set of due times that every worker's poller fires.

The core's timers (Wait, retry backoff, a yield, the execution's and a Task's TimeoutSeconds,
HeartbeatSeconds: `StartTimer` / `CancelTimer` effects) and the runtime's own (worker leases,
group joins, job watches, expiries) are each a member of `keys.TIMERS`, written in the commit
that needs it. A poller thread runs in every
worker's main process (free even while its work horse runs a long activity): it claims a due
member for a while, delivers it (advance + commit), then removes it. A poller that dies before
removing it leaves the member to be fired again once the claim lapses; a second delivery is a
stale trigger and commits nothing. Precision: the poll interval (`SFN_TIMER_POLL`, 0.1 s), except
for a timer due before the next poll: its commit wakes the pollers, which poll at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from redis.client import PubSub

from engine.core.effects import ATTEMPT_TIMERS
from engine.core.triggers import TaskHeartbeat, TaskTimedOut, TimerFired
from engine.runtime import dispatch, keys, lost, retention, watchdog
from engine.runtime.config import RuntimeConfig
from engine.runtime.requests import HeartbeatRequest, StepRequest
from engine.runtime.runtime import Runtime, join_due
from engine.runtime.timer_entries import (
    GroupJoin,
    HeartbeatCheck,
    JobWatch,
    LeaseExpiry,
    RetentionExpiry,
    StateTimer,
    TaskTimeout,
    TimerEntry,
    decode,
)

BATCH = 200
# The ids of the timers that measure a Task attempt (`task_timers.timer_id`) begin so.
ATTEMPT_CLOCKS = tuple(f"{kind}/" for kind in ATTEMPT_TIMERS)
OUTAGE_POLL_SECONDS = 1.0
log = logging.getLogger("sfn.timers")


def claim_milliseconds(config: RuntimeConfig) -> int:
    """How long a claim keeps other pollers off a timer: one lease, as for workers.

    A poller that dies while delivering is then replaced as quickly as a lost worker; a
    delivery that outlasts its claim may be repeated, which is harmless (stale triggers)."""
    return max(1, int(config.lease_seconds * 1000))


def fire_due(runtime: Runtime, now: float | None = None) -> int:
    """Deliver the timers due at `now` that no other poller has claimed; return how many."""
    client = runtime.redis
    due = client.zrangebyscore(keys.TIMERS, "-inf", now or time.time(), start=0, num=BATCH)
    fired = 0
    for member in due:
        claim = keys.timer_claim(hashlib.sha1(member).hexdigest())
        if not client.set(claim, 1, nx=True, px=claim_milliseconds(runtime.config)):
            continue
        fire(runtime, decode(member))
        client.zrem(keys.TIMERS, member)
        client.delete(claim)
        fired += 1
    return fired


def fire(runtime: Runtime, entry: TimerEntry) -> None:
    """Deliver one timer through the handler of its kind (`HANDLERS`)."""
    HANDLERS[type(entry)](runtime, entry)


def _state_timer(runtime: Runtime, entry: StateTimer) -> None:
    """Every timer of the core: the core says what its firing means, unless it is the lapsed
    clock of an attempt a silent API poller holds, which goes to the next poller instead."""
    execution, run, timer_id = entry.execution, entry.run, entry.timer_id
    clock = timer_id.startswith(ATTEMPT_CLOCKS)
    if clock and lost.silent_poller(runtime, execution, run, timer_id):
        return
    runtime.advance(StepRequest(execution, run, TimerFired(timer_id)))


def _task_timeout(runtime: Runtime, entry: TaskTimeout) -> None:
    runtime.advance(StepRequest(entry.execution, entry.run, TaskTimedOut(entry.token, "timeout")))


def _heartbeat(runtime: Runtime, entry: HeartbeatCheck) -> None:
    """A check of before the core's heartbeat timers: the task gets a heartbeat window from
    now, on the core's timer."""
    runtime.advance(HeartbeatRequest(entry.execution, entry.run, TaskHeartbeat(entry.token)))


def _join(runtime: Runtime, entry: GroupJoin) -> None:
    join_due(runtime, entry.execution, entry.group, entry.recheck)


def _expire(runtime: Runtime, entry: RetentionExpiry) -> None:
    retention.expired(runtime.redis, entry.execution)


def _lease(runtime: Runtime, entry: LeaseExpiry) -> None:
    lost.lost(runtime, entry.execution, entry.run, entry.token, entry.delivery)


# Timer kind -> what its falling due does.
HANDLERS: dict[type, Callable[[Runtime, Any], None]] = {
    StateTimer: _state_timer,
    TaskTimeout: _task_timeout,
    HeartbeatCheck: _heartbeat,
    LeaseExpiry: _lease,
    GroupJoin: _join,
    RetentionExpiry: _expire,
    JobWatch: watchdog.check,
}


class TimerPoller:
    """A daemon thread that fires due timers until stopped.

    Between polls it listens on `keys.TIMERS_DUE`, where a commit that starts a timer due
    before the next poll (a yield, a short Wait or retry) says so: it polls at once then."""

    def __init__(self, client: redis.Redis, config: RuntimeConfig, interval: float | None = None):
        self._runtime = Runtime(client, config=config)
        self._interval = interval if interval is not None else config.timer_poll
        self._stop = threading.Event()
        # Set while it waits between polls on the channel (before it looks at `_stop`).
        self.listening = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sfn-timers", daemon=True)

    def start(self) -> TimerPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self.listening.is_set():  # wake it (any other poller woken polls once more: harmless)
            with contextlib.suppress(redis.RedisError, OSError):
                dispatch.wake_pollers(self._runtime.redis)
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        pause = self._interval
        wake = self._runtime.redis.pubsub(ignore_subscribe_messages=True)
        try:
            while not self._stop.is_set():
                try:
                    if not wake.subscribed:
                        wake.subscribe(keys.TIMERS_DUE)
                    if fire_due(self._runtime) < BATCH:
                        self._wait(wake)
                except (redis.RedisError, OSError) as error:
                    # Redis is away: say so once, then poll less often until it answers again.
                    if pause == self._interval:
                        log.warning("timer poll failed: %s; retrying until Redis answers", error)
                    pause = min(pause * 2, OUTAGE_POLL_SECONDS)
                    wake.reset()  # subscribed again once Redis answers
                    self._stop.wait(pause)
                    continue
                except Exception:
                    # A timer that cannot be delivered stays claimed, then is retried; poll on.
                    log.exception("delivering a timer failed")
                    self._stop.wait(self._interval)
                if pause != self._interval:
                    log.warning("timer poll: Redis answers again")
                    pause = self._interval
        finally:
            wake.close()

    def _wait(self, wake: PubSub) -> None:
        """Until the next poll, or a commit says a timer falls due sooner, or `stop`."""
        self.listening.set()
        try:
            if not self._stop.is_set():
                wake.get_message(timeout=self._interval)
        finally:
            self.listening.clear()
