"""Eager tasks: a worker that commits a Task's result runs the run's next Task itself.

Temporal calls this eager activity execution. A run's Tasks happen one after another, so the
worker that just committed one is free for the next, and sending it through the queue would
only add RQ's own cost (pop, bookkeeping, heartbeats) to every step of the chain. The commit
that schedules a claimed Task writes, instead of an RQ job and its watch, the worker's lease on
the attempt and the attempt's job payload (`keys.claimed_task`): if the worker dies, the lease
falls due and the attempt is sent again through the queue like any lost one (`lost.lost`).

A worker claims at most `SFN_EAGER_TASKS` Tasks in a row (`RuntimeConfig.eager_tasks`, default
10; 0: never) before the next one goes through the queue, so long chains still take turns with
other queued work; it claims only Tasks whose activity it has loaded and whose queue it listens
on, and none once told to stop.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import redis

from engine.runtime import dispatch, keys, leases
from engine.runtime.config import RuntimeConfig

if TYPE_CHECKING:
    from redis.client import Pipeline

    from engine.runtime.store import Reads

Json = Any


class Chain:
    """The Tasks one worker claims in a row, from the RQ job it runs: one at a time."""

    def __init__(
        self,
        queues: Collection[str],
        stopping: Callable[[], bool],
        most: int,
        activities: Collection[str],
    ):
        self._queues = set(queues)
        self._activities = activities
        self._stopping = stopping
        self._most = most
        self._next: tuple[dict[str, Json], Reads] | None = None
        self.claimed = 0

    def can_claim(self, activity: str, queue_name: str) -> bool:
        """Whether this worker may run a Task of `activity` (routed to `queue_name`) itself."""
        return (
            self._next is None
            and self.claimed < self._most
            and queue_name in self._queues
            and activity in self._activities
            and not self._stopping()
        )

    def claim(self, job: dict[str, Json], reads: Reads) -> None:
        """The commit that scheduled `job` (claimed with `hold`) succeeded: run it next, and
        commit its result on `reads` (what that commit wrote)."""
        self._next = (job, reads)
        self.claimed += 1

    @property
    def pending(self) -> bool:
        """Whether a claimed Task waits to be run."""
        return self._next is not None

    def take(self) -> tuple[dict[str, Json], Reads] | None:
        """The claimed Task to run now and its reads, if any (each is taken once)."""
        claimed, self._next = self._next, None
        return claimed


_local = threading.local()


@contextmanager
def chain(
    queues: Collection[str],
    stopping: Callable[[], bool],
    most: int,
    activities: Collection[str],
) -> Iterator[Chain | None]:
    """While a worker runs one RQ job and the Tasks it claims, at most `most` (None when eager
    tasks are off), only of the `activities` the worker runs."""
    _local.chain = Chain(queues, stopping, most, activities) if most > 0 else None
    try:
        yield _local.chain
    finally:
        _local.chain = None


def current() -> Chain | None:
    """The chain of the job this thread is running (None outside an eager-capable worker)."""
    return getattr(_local, "chain", None)


def hold(
    pipe: Pipeline,
    client: redis.Redis,
    config: RuntimeConfig,
    job: dict[str, Json],
    queue_name: str,
    description: str,
) -> None:
    """Record in a commit's `pipe` that this worker runs the Task attempt `job` itself: its
    payload (to send it again should the worker die) and the worker's lease on it."""
    execution, token = job["execution"], job["token"]
    record = {"queue": queue_name, "description": description, "job": job}
    pipe.set(keys.claimed_task(execution, token), json.dumps(record), ex=dispatch.TOKEN_TTL)
    lease = leases.Lease(client, execution, job["run"], token, seconds=config.lease_seconds)
    lease.take(pipe)
