"""Leases of running Task attempts, so a dead worker is noticed.

A worker running an activity holds a *lease*: a member of the timers sorted set whose due time
it pushes forward every third of `SFN_LEASE_SECONDS` (default 15 s, `RuntimeConfig`) while it
lives. A worker killed mid-task stops renewing; once the lease falls due (within lease + poll
interval), `engine.runtime.lost` sends the attempt again or fails it with `Sfn.WorkerLost`.
The lease is dropped after the result is committed; a lease that outlives its result is stale.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING

import redis

from engine.runtime import keys
from engine.runtime.timer_entries import LeaseExpiry, encode

if TYPE_CHECKING:
    from redis.client import Pipeline


def lease_member(execution: str, run_id: str, token: str, delivery: int) -> str:
    """The timers member of the lease a worker holds while it runs this delivery of a task."""
    return encode(LeaseExpiry(execution, run_id, token, delivery))


class Renewer:
    """The one daemon thread of a process that renews every lease held in it.

    Leases are renewed together, one pipelined trip per client every third of the lease, so
    holding a lease costs no thread start. A forked child (RQ's work horse) renews only its own
    leases, with a thread of its own."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[redis.Redis, float]] = {}
        self._lock = threading.Lock()
        self._owner: int | None = None  # the process whose thread runs
        self._period = 1.0  # a third of the shortest lease held yet

    def add(self, client: redis.Redis, member: str, seconds: float) -> None:
        """Renew `member`, a lease of `seconds`, from now on."""
        with self._lock:
            self._held[member] = (client, seconds)
            self._period = min(self._period, seconds / 3) if self._owner else seconds / 3
            if self._owner != os.getpid():
                self._owner = os.getpid()
                threading.Thread(target=self._loop, name="sfn-leases", daemon=True).start()

    def discard(self, member: str) -> None:
        with self._lock:
            self._held.pop(member, None)

    def after_fork(self) -> None:
        """In a forked child: the parent's leases and thread are not this process's."""
        self._held, self._lock, self._owner = {}, threading.Lock(), None

    def renew(self) -> None:
        """Push every held lease forward by one lease (a released one is not re-added)."""
        with self._lock:
            held = list(self._held.items())
        by_client: dict[int, tuple[redis.Redis, dict[str, float]]] = {}
        now = time.time()
        for member, (client, seconds) in held:
            by_client.setdefault(id(client), (client, {}))[1][member] = now + seconds
        for client, members in by_client.values():
            try:
                client.zadd(keys.TIMERS, members, xx=True)
            except redis.RedisError:
                continue  # Redis unreachable for a moment: the next renewal may succeed

    def _loop(self) -> None:
        owner = os.getpid()
        while self._owner == owner:
            time.sleep(self._period)
            self.renew()


RENEWER = Renewer()
os.register_at_fork(after_in_child=RENEWER.after_fork)


class Lease:
    """Held while an activity runs: taken in the trip that checks the attempt is awaited,
    renewed by the process's `Renewer`, ended in the transaction that commits the result."""

    def __init__(
        self,
        client: redis.Redis,
        execution: str,
        run_id: str,
        token: str,
        delivery: int = 0,
        *,
        seconds: float,
    ):
        self._client = client
        self._seconds = seconds
        self.member = lease_member(execution, run_id, token, delivery)

    def take(self, pipe: Pipeline) -> None:
        """Add taking the lease to `pipe`; call `keep` once it has run."""
        pipe.zadd(keys.TIMERS, {self.member: time.time() + self._seconds})

    def keep(self) -> None:
        """Renew the lease from now on, until `stop_renewing`."""
        RENEWER.add(self._client, self.member, self._seconds)

    def stop_renewing(self) -> None:
        """Renew no more. A lease not ended then falls due, and the attempt, if still awaited
        (its commit failed), is delivered again."""
        RENEWER.discard(self.member)
