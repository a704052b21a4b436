"""Lost-worker detection and heartbeats for running Task attempts.

A worker running an activity holds a *lease*: a member of the timers sorted set whose due time
it pushes forward every third of `SFN_LEASE_SECONDS` (default 15 s) while it lives. A worker
killed mid-task stops renewing; once the lease falls due (within lease + poll interval), the
attempt, if still awaited, is delivered again to another worker, up to
`SFN_LOST_TASK_REDELIVERIES` times (default 2; the activity gets the same idempotency key).
After that the task fails with `Sfn.WorkerLost`, which Retry and Catch match like any task
error (a States.Timeout / States.HeartbeatTimeout comes first when the Task sets those).
The lease is dropped after the result is committed; a lease that outlives its result is stale.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import TYPE_CHECKING, Any

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from engine.core.triggers import TaskFailed
from engine.runtime import dispatch, keys
from engine.runtime.tokens import job_id

if TYPE_CHECKING:
    from redis.client import Pipeline

    from engine.runtime.commit import Runtime

WORKER_LOST = "Sfn.WorkerLost"
ENV_LEASE = "SFN_LEASE_SECONDS"
ENV_REDELIVERIES = "SFN_LOST_TASK_REDELIVERIES"
DEFAULT_LEASE_SECONDS = 15.0
DEFAULT_REDELIVERIES = 2


def lease_seconds() -> float:
    return float(os.environ.get(ENV_LEASE) or DEFAULT_LEASE_SECONDS)


def max_redeliveries() -> int:
    return int(os.environ.get(ENV_REDELIVERIES) or DEFAULT_REDELIVERIES)


def lease_member(execution: str, run_id: str, token: str, delivery: int) -> str:
    """The timers member of the lease a worker holds while it runs this delivery of a task."""
    return dispatch.timer_member("lease", execution, run_id, f"{token}/{delivery}")


def lost_cause() -> str:
    return (
        "the worker running this task stopped renewing its lease "
        f"for {lease_seconds():g} s (killed or disconnected)"
    )


class Renewer:
    """The one daemon thread of a process that renews every lease held in it.

    Leases are renewed together, one pipelined trip per client every third of the lease, so
    holding a lease costs no thread start. A forked child (RQ's work horse) renews only its own
    leases, with a thread of its own."""

    def __init__(self) -> None:
        self._held: dict[str, redis.Redis] = {}
        self._lock = threading.Lock()
        self._owner: int | None = None  # the process whose thread runs

    def add(self, client: redis.Redis, member: str) -> None:
        with self._lock:
            self._held[member] = client
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
        due = time.time() + lease_seconds()
        for member, client in held:
            by_client.setdefault(id(client), (client, {}))[1][member] = due
        for client, members in by_client.values():
            try:
                client.zadd(keys.TIMERS, members, xx=True)
            except redis.RedisError:
                continue  # Redis unreachable for a moment: the next renewal may succeed

    def _loop(self) -> None:
        owner = os.getpid()
        while self._owner == owner:
            time.sleep(lease_seconds() / 3)
            self.renew()


RENEWER = Renewer()
os.register_at_fork(after_in_child=RENEWER.after_fork)


class Lease:
    """Held while an activity runs: taken in the trip that checks the attempt is awaited,
    renewed by the process's `Renewer`, ended in the transaction that commits the result."""

    def __init__(
        self, client: redis.Redis, execution: str, run_id: str, token: str, delivery: int = 0
    ):
        self._client = client
        self.member = lease_member(execution, run_id, token, delivery)
        self._heartbeat = keys.heartbeat(execution, token)

    def take(self, pipe: Pipeline, *, heartbeat: bool = False) -> None:
        """Add taking the lease (and, for a HeartbeatSeconds task, starting its clock) to
        `pipe`; call `keep` once it has run."""
        pipe.zadd(keys.TIMERS, {self.member: time.time() + lease_seconds()})
        if heartbeat:
            pipe.set(self._heartbeat, time.time(), ex=dispatch.TOKEN_TTL)

    def keep(self) -> None:
        """Renew the lease from now on, until `stop_renewing`."""
        RENEWER.add(self._client, self.member)

    def stop_renewing(self) -> None:
        """Renew no more. A lease not ended then falls due, and the attempt, if still awaited
        (its commit failed), is delivered again."""
        RENEWER.discard(self.member)


def record_heartbeat(client: redis.Redis, execution: str, token: str) -> None:
    """Note that the task behind `token` is alive now."""
    client.set(keys.heartbeat(execution, token), time.time(), ex=dispatch.TOKEN_TTL)


def heartbeat_due(
    client: redis.Redis, execution: str, run_id: str, token: str, seconds: float
) -> bool:
    """Whether the running task missed its heartbeat; if not, re-arm the check.

    The clock starts when a worker starts the task: a task still queued is not late."""
    raw = client.get(keys.heartbeat(execution, token))
    deadline = (float(raw) if raw is not None else time.time()) + seconds
    if raw is not None and deadline <= time.time():
        return True
    # A new member per deadline, so firing the old one never removes the re-armed check.
    ident = f"{token}/{seconds:g}/{deadline}"
    member = dispatch.timer_member("heartbeat", execution, run_id, ident)
    client.zadd(keys.TIMERS, {member: deadline})
    return False


def lost(runtime: Runtime, execution: str, run_id: str, token: str, delivery: int) -> None:
    """A worker died running this attempt: send it again, or fail it with Sfn.WorkerLost."""
    if not runtime.awaits_task(execution, run_id, token):
        return
    client = runtime.redis
    if delivery < max_redeliveries() and redeliver(client, execution, token, delivery):
        return
    runtime.advance(execution, run_id, TaskFailed(token, WORKER_LOST, lost_cause()))


def redeliver(client: redis.Redis, execution: str, token: str, delivery: int) -> bool:
    """Enqueue the next delivery of a lost attempt, once (False if there is nothing to resend)."""
    found = _delivered(client, execution, token, delivery)
    if found is None:
        return False
    payload, queue_name, description = found
    marker = keys.redelivery(execution, token, delivery + 1)
    with client.pipeline() as pipe:
        try:
            pipe.watch(marker)
            if pipe.exists(marker):
                return True
            pipe.multi()
            pipe.set(marker, 1, ex=dispatch.TOKEN_TTL)
            dispatch.enqueue(
                pipe,
                client,
                "run_task",
                {**payload, "delivery": delivery + 1},
                queue_name=queue_name,
                job_id=job_id(token, delivery + 1),
                description=description,
                timeout=dispatch.kill_after(payload.get("timeout_seconds")),
            )
            pipe.execute()
        except redis.WatchError:
            pass  # another poller redelivered it at the same moment
    return True


def _delivered(
    client: redis.Redis, execution: str, token: str, delivery: int
) -> tuple[dict[str, Any], str, str] | None:
    """A delivery's job payload, queue and description: from its RQ job, or, for an attempt a
    worker claimed to run itself (`engine.runtime.eager`), from the claiming commit's record."""
    try:
        job = Job.fetch(job_id(token, delivery), connection=client, serializer=JSONSerializer)
        return job.kwargs, job.origin, job.description
    except NoSuchJobError:
        pass
    raw = client.get(keys.claimed_task(execution, token)) if delivery == 0 else None
    if raw is None:
        return None
    record = json.loads(raw)
    return record["job"], record["queue"], record["description"]
